"""Mail: one message per department with its workbook attached, as ``.eml`` drafts or sent through SMTP
with a send log so the same workbook never goes out twice."""
