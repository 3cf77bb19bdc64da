"""The layout contracts: which sheet and cell holds what, in the department workbook the generator issues
(``department``) and in the ward master (``master``). Writers write exactly this; readers read only this."""
