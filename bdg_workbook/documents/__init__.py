"""Word documents in NĐ 30/2020 layout (python-docx): the ward's Báo cáo kết quả, the biên bản thẩm định,
the danh sách đề nghị khen thưởng and the phiếu đề nghị bổ sung.

``nd30`` is the shared builder (page, header, title, Kính gửi, body, Nơi nhận, signature); one module per
document turns a result (collect, review, correction request) into one. ``settings`` reads the config keys
the documents use. Imports: domain, writing, review (results only); never cli, web, mail or corrections.
"""
