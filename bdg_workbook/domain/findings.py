"""Findings as data: a frozen Finding and the catalogue of stable codes (severity, title, message, fix)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITY_VI = {ERROR: "LỖI", WARNING: "CẢNH BÁO", INFO: "THÔNG TIN"}


@dataclass(frozen=True)
class Entry:
    """One catalogue line: severity, short Vietnamese title, message template and the fix."""

    severity: str
    title: str
    template: str
    fix: str


CATALOGUE: dict[str, Entry] = {
    # ---- file level
    "F01": Entry(ERROR, "Tệp không đọc được",
                 "Tệp không phải bảng tính Excel (.xlsx) hợp lệ: {reason}.",
                 "Mở lại biểu mẫu gốc, nhập lại và lưu dạng Excel (.xlsx) rồi gửi lại."),
    "F02": Entry(ERROR, "Tệp không đúng mẫu",
                 "Tệp không đúng mẫu của phường: {reason}.",
                 "Dùng đúng tệp biểu mẫu phường đã gửi cho đơn vị; không sao chép sang tệp khác."),
    "F03": Entry(ERROR, "Mẫu khác phiên bản",
                 "Tệp dùng mẫu '{found}', phường đang thu mẫu '{expected}'.",
                 "Nhập lại số liệu vào biểu mẫu mới nhất phường gửi."),
    "F04": Entry(ERROR, "Sai năm thi đua",
                 "Tệp thuộc năm {found}, phường đang tổng hợp năm {expected}.",
                 "Dùng biểu mẫu của năm {expected}."),
    "F05": Entry(ERROR, "Tệp nén bất thường",
                 "Tệp bị từ chối vì cấu trúc nén bất thường: {reason}.",
                 "Mở biểu mẫu gốc bằng Excel/LibreOffice, lưu lại dạng .xlsx rồi gửi lại."),
    "F06": Entry(ERROR, "Tệp có mật khẩu",
                 "Tệp bị từ chối: {reason}.",
                 "Bỏ mật khẩu mở tệp (File > Info > Protect Workbook > Encrypt) rồi gửi lại."),
    "F07": Entry(ERROR, "Tệp có macro",
                 "Tệp bị từ chối: {reason}.",
                 "Lưu lại dạng 'Excel Workbook (.xlsx)', không phải .xlsm, rồi gửi lại."),
    "F08": Entry(ERROR, "Sai định dạng tệp",
                 "Tệp bị từ chối: {reason}.",
                 "Mở tệp, chọn Lưu thành 'Excel 2007-365 (.xlsx)' rồi gửi lại."),
    "F09": Entry(ERROR, "XML nguy hiểm",
                 "Tệp bị từ chối: {reason}.",
                 "Dùng biểu mẫu gốc; tệp này có thể đã bị chỉnh sửa bằng công cụ khác."),
    "F10": Entry(ERROR, "Tệp quá lớn",
                 "Tệp bị từ chối: {reason}.",
                 "Xóa dữ liệu thừa ngoài biểu mẫu, lưu lại rồi gửi lại."),
    "F11": Entry(ERROR, "Đọc tệp bị dừng",
                 "Đọc tệp bị dừng: {reason}.",
                 "Mở biểu mẫu gốc, nhập lại và lưu dạng .xlsx rồi gửi lại; nếu vẫn lỗi, báo cho người quản trị."),
    "F12": Entry(WARNING, "Mục trong thư mục nhận bị bỏ qua",
                 "{reason}",
                 "Lưu riêng tệp Excel (.xlsx) của đơn vị vào thư mục nhận rồi chạy lại."),
    "F13": Entry(ERROR, "Biểu mẫu của mùa thi đua khác",
                 "Tệp làm trên biểu mẫu năm {found} ({found_form}); phường đang thu năm {expected} ({expected_form}).",
                 "Nhập lại số liệu vào biểu mẫu năm {expected} phường đã gửi rồi gửi lại."),
    # ---- read only where the form was issued (issue 12, items 1 and 12)
    "F31": Entry(ERROR, "Không mở được tệp",
                 "Không mở được tệp để đọc: {reason}.",
                 "Kiểm tra quyền truy cập tệp (chuột phải > Properties/Thuộc tính > Security/Bảo mật, hoặc "
                 "'chmod u+r' trên Linux), hoặc chép lại tệp vào thư mục nhận rồi chạy lại."),
    "F32": Entry(ERROR, "Tên vùng bị trỏ sai chỗ",
                 "Tệp không được tính: {reason}. Phường chỉ đọc số liệu ở đúng ô của biểu mẫu phát hành.",
                 "Đơn vị nhập lại số liệu vào biểu mẫu gốc phường đã gửi (không sửa Name Manager/Quản lý tên) "
                 "rồi gửi lại."),
    "F33": Entry(ERROR, "Trang tính khác biểu mẫu",
                 "Tệp không được tính: {reason}.",
                 "Đơn vị nhập lại số liệu vào biểu mẫu gốc phường đã gửi (không thêm, xóa hay đổi tên trang) "
                 "rồi gửi lại."),
    "E10": Entry(ERROR, "Đơn vị không có trong danh sách",
                 "Mã đơn vị '{found}' không có trong danh sách thành viên Ban.",
                 "Kiểm tra lại tệp; nếu là đơn vị mới, bổ sung vào departments.yaml rồi tạo lại biểu mẫu."),
    "W08": Entry(WARNING, "Nộp nhiều lần",
                 "Đơn vị {department} có nhiều tệp; dùng tệp '{kept}', bỏ tệp này.",
                 "Xóa tệp cũ khỏi thư mục nhận nếu không cần."),
    "W07": Entry(WARNING, "Nộp sau hạn",
                 "Đơn vị {department} nộp sau hạn: {received}; hạn chót {deadline} (ngày đơn vị tự ghi: {found}).",
                 "Thường trực Ban quyết định có nhận hay không."),
    "W41": Entry(WARNING, "Điểm gửi đúng hạn chấm theo thời điểm nhận",
                 "Tiêu chí {criterion} (gửi đúng hạn) chấm theo thời điểm phường nhận tệp: {received}, hạn {deadline} "
                 "→ {verdict}. Đơn vị tự chấm {found} điểm, phường tính {points} điểm.",
                 "Không cần sửa tệp. Nếu thời điểm nhận ghi sai (ví dụ tệp chép vào thư mục nhận muộn), Thường trực "
                 "Ban sửa điểm tiêu chí này ở trang 'Thẩm định' của bảng tổng hợp, ghi rõ lý do."),
    "W13": Entry(WARNING, "Chưa nộp",
                 "Đơn vị {department} chưa gửi bảng tự chấm điểm.",
                 "Liên hệ đơn vị để nhắc gửi bảng tự chấm trước hạn."),
    "W09": Entry(WARNING, "Thiếu người lập biểu",
                 "Chưa ghi {field}.",
                 "Đơn vị ghi đủ họ tên người lập biểu và thủ trưởng ở trang 'Thông tin đơn vị'."),
    # ---- input values
    "E06": Entry(ERROR, "Số không hợp lệ",
                 "Tiêu chí {criterion}: ô số liệu có giá trị '{found}' ({reason}); không tính điểm.",
                 "Nhập một số không âm (chỉ chữ số) vào ô màu vàng."),
    "E07": Entry(ERROR, "Tỷ lệ ngoài 0-100",
                 "Tiêu chí {criterion}: tỷ lệ {found}% nằm ngoài khoảng 0-100%; không tính điểm.",
                 "Nhập tỷ lệ phần trăm từ 0 đến 100."),
    "E08": Entry(ERROR, "Sai giá trị Có/Không",
                 "Tiêu chí {criterion}: ô Có/Không có giá trị '{found}'; không tính điểm.",
                 "Chọn 'Có' hoặc 'Không' trong danh sách."),
    "E11": Entry(ERROR, "Không áp dụng sai chỗ",
                 "Tiêu chí {criterion}: 'Không áp dụng' không được Ban cho phép ở đây ({reason}); tiêu chí 0 điểm đến khi trả lời.",
                 "Xóa 'Không áp dụng' và nhập kết quả thực hiện (chỉ chọn 'Không áp dụng' ở cột 'Không áp dụng' khi ô đó mở)."),
    "E32": Entry(ERROR, "Chỉ tiêu thấp hơn của Ban",
                 "Tiêu chí {criterion}: chỉ tiêu đơn vị đăng ký {found} thấp hơn chỉ tiêu tối thiểu Ban giao ({minimum}); không tính điểm.",
                 "Đăng ký chỉ tiêu từ {minimum} trở lên."),
    "E05": Entry(ERROR, "Thiếu chỉ tiêu",
                 "Tiêu chí {criterion}: có số thực hiện ({found}) nhưng chỉ tiêu trống hoặc bằng 0; không tính được tỷ lệ.",
                 "Nhập chỉ tiêu đã đăng ký (lớn hơn 0)."),
    "E12": Entry(ERROR, "Số lần không nguyên",
                 "Tiêu chí {criterion}: số lần '{found}' phải là số nguyên không âm; không tính điểm.",
                 "Nhập số lần là số nguyên (0, 1, 2, …)."),
    "W03": Entry(WARNING, "Vượt chỉ tiêu",
                 "Tiêu chí {criterion}: thực hiện vượt chỉ tiêu ({found}); chỉ tính tối đa 100%.",
                 "Không cần sửa; điểm không vượt điểm tối đa."),
    "W16": Entry(WARNING, "Số nhập dạng chữ (mã cũ)",
                 "Tiêu chí {criterion}: ô số liệu chứa '{found}' dạng chữ. Mã này chỉ còn trong tệp tổng hợp cũ: nay bảng tính và phường cùng không tính số dạng chữ (E06).",
                 "Nhập lại bằng số (không có dấu ' phía trước, không định dạng ô là Text)."),
    "W06": Entry(WARNING, "Không áp dụng nhưng có số liệu",
                 "Tiêu chí {criterion}: đã chọn 'Không áp dụng' nhưng vẫn nhập '{found}'; số liệu không được tính.",
                 "Xóa số liệu hoặc bỏ chọn 'Không áp dụng'."),
    # ---- evidence and one-time scoring
    "E02": Entry(ERROR, "Thiếu minh chứng",
                 "Tiêu chí {criterion}: có {points} điểm nhưng không có minh chứng; không tính điểm.",
                 "Ghi số, ký hiệu, ngày văn bản (hoặc tên tệp) ở trang 'Minh chứng' với mã tiêu chí {criterion}."),
    "E03": Entry(ERROR, "Chấm điểm hai lần",
                 "Tiêu chí {criterion}: văn bản '{found}' đã dùng cho tiêu chí {other}; mỗi hoạt động, kết quả chỉ chấm một lần. Tiêu chí {criterion} mất {points} điểm.",
                 "Chỉ kê văn bản ở MỘT tiêu chí phù hợp nhất; bổ sung minh chứng khác cho tiêu chí {criterion}."),
    "W12": Entry(WARNING, "Minh chứng trùng giữa đơn vị",
                 "Văn bản '{found}' được cả {department} và {other} kê làm minh chứng.",
                 "Thường trực Ban xác minh đơn vị nào được tính."),
    "W05": Entry(WARNING, "Ngày minh chứng ngoài kỳ",
                 "Tiêu chí {criterion}: ngày minh chứng {found} nằm ngoài kỳ đánh giá ({start} - {end}).",
                 "Kiểm tra lại ngày văn bản; chỉ kê hoạt động trong kỳ."),
    "E31": Entry(ERROR, "Minh chứng không xác định được văn bản",
                 "Dòng minh chứng của tiêu chí {criterion} ghi '{found}': không xác định được văn bản nào; dòng này không được tính.",
                 "Ghi số, ký hiệu văn bản (ví dụ 12/KH-HPN), ngày văn bản hoặc tên tệp minh chứng (ví dụ kehoach.pdf)."),
    "W31": Entry(WARNING, "Minh chứng dùng lại, vẫn tính điểm",
                 "Tiêu chí {criterion}: văn bản '{found}' đã dùng cho tiêu chí {other}; tiêu chí {criterion} còn {count} minh chứng khác nên không bị trừ điểm.",
                 "Không cần sửa; nên bỏ dòng trùng để hồ sơ rõ ràng."),
    "E15": Entry(ERROR, "Minh chứng sai mã tiêu chí",
                 "Dòng minh chứng có mã tiêu chí '{found}' không có trong bảng; dòng này không được tính.",
                 "Chọn mã tiêu chí trong danh sách."),
    # ---- bonus
    "E04": Entry(ERROR, "Thiếu thuyết minh điểm thưởng",
                 "Tiêu chí {criterion}: điểm thưởng chưa có thuyết minh đủ 5 yêu cầu kèm minh chứng ({reason}); không tính điểm.",
                 "Ghi đủ điểm mới, cách làm hay, sáng tạo, hiệu quả thực hiện, khả năng nhân rộng và số văn bản minh chứng ở trang 'Điểm thưởng'."),
    "E16": Entry(ERROR, "Minh chứng thưởng trùng phần cơ bản",
                 "Tiêu chí {criterion}: văn bản '{found}' đã là minh chứng của tiêu chí {other} (phần cơ bản); không dùng lại cho điểm thưởng.",
                 "Kê minh chứng riêng cho điểm thưởng."),
    "W14": Entry(WARNING, "Số mục thưởng vượt số thuyết minh",
                 "Tiêu chí {criterion}: kê {found} lần nhưng chỉ có {count} thuyết minh đủ; chỉ tính {count} lần.",
                 "Bổ sung thuyết minh cho từng mô hình, cá nhân được kê."),
    "W01": Entry(WARNING, "Điểm thưởng vượt trần",
                 "Tổng điểm thưởng {found} điểm vượt mức tối đa; chỉ tính {cap} điểm.",
                 "Không cần sửa."),
    "W02": Entry(WARNING, "Điểm trừ vượt trần",
                 "Tổng điểm trừ {found} điểm vượt mức tối đa; chỉ trừ {cap} điểm.",
                 "Không cần sửa."),
    "W10": Entry(WARNING, "Không đủ điều kiện Xuất sắc",
                 "Đơn vị có điểm trừ ở tiêu chí {criterion}: không đủ điều kiện xếp loại cao nhất.",
                 "Không cần sửa."),
    # ---- integrity of the returned workbook
    "W04": Entry(WARNING, "Điểm trong tệp khác điểm tính lại",
                 "Ô '{name}' ghi {found}, tính lại theo bảng tiêu chí được {expected}; hệ thống dùng điểm tính lại.",
                 "Mở tệp bằng Excel/LibreOffice, nhấn Ctrl+Shift+F9 để tính lại rồi lưu, hoặc không cần sửa."),
    "E13": Entry(ERROR, "Nội dung khóa bị sửa",
                 "Ô '{name}' đã bị sửa (mẫu gốc: '{expected}'; trong tệp: '{found}').",
                 "Dùng lại biểu mẫu gốc; không sửa nội dung tiêu chí, điểm tối đa, công thức."),
    "E14": Entry(ERROR, "Công thức nhập vào ô số liệu",
                 "Tiêu chí {criterion}: ô nhập liệu chứa công thức '{found}'; không tính điểm.",
                 "Xóa công thức, chỉ nhập giá trị."),
    "E17": Entry(ERROR, "Chữ ký số không hợp lệ",
                 "Chữ ký số của tệp không hợp lệ: {reason}",
                 "Dùng đúng tệp phường đã phát hành cho đơn vị; không sửa trang meta hay nội dung khóa. Nếu phường vừa đổi khóa, phát hành lại biểu mẫu."),
    "E18": Entry(ERROR, "Nội dung khóa khác bản phát hành",
                 "Mã băm nội dung khóa ghi trong tệp ({found}) khác mã băm của biểu mẫu phát hành cho đơn vị ({expected}).",
                 "Dùng lại biểu mẫu gốc phường đã gửi."),
    "W15": Entry(WARNING, "Tệp không có chữ ký số",
                 "Tệp không có chữ ký số và phường chưa có khóa ký để kiểm tra ({reason}).",
                 "Nếu phường đã có khóa (thư mục keys/ của thư mục làm việc), chạy lệnh trong thư mục đó hoặc chỉ khóa "
                 "bằng --keys; nếu phường chưa từng tạo khóa, chạy 'bdg-workbook init' rồi tạo lại biểu mẫu."),
    # ---- review round of the ward master (bdg-workbook review)
    "R01": Entry(ERROR, "Điểm thẩm định không phải số",
                 "Đơn vị {department}, tiêu chí {criterion}: ô Điểm thẩm định ghi '{found}', không phải một số; "
                 "giữ điểm {before}, không áp dụng sửa đổi này.",
                 "Nhập một số từ 0 đến {max} vào ô màu vàng của trang 'Thẩm định' rồi chạy lại 'bdg-workbook review'."),
    "R02": Entry(ERROR, "Điểm thẩm định ngoài giới hạn",
                 "Đơn vị {department}, tiêu chí {criterion}: điểm thẩm định {found} nằm ngoài khoảng 0 - {max} điểm; "
                 "giữ điểm {before}, không áp dụng sửa đổi này.",
                 "Nhập điểm từ 0 đến {max} (điểm tối đa của tiêu chí) rồi chạy lại 'bdg-workbook review'."),
    "R03": Entry(ERROR, "Công thức trong ô thẩm định",
                 "Đơn vị {department}, tiêu chí {criterion}: ô Điểm thẩm định chứa công thức '{found}'; "
                 "giữ điểm {before}, không áp dụng sửa đổi này.",
                 "Xóa công thức, chỉ nhập số điểm (từ 0 đến {max})."),
    "R04": Entry(ERROR, "Thiếu lý do điều chỉnh",
                 "Đơn vị {department}, tiêu chí {criterion}: điểm sửa từ {before} thành {found} nhưng chưa ghi lý do; "
                 "giữ điểm {before}, không áp dụng sửa đổi này.",
                 "Ghi lý do điều chỉnh vào ô bên phải (cột 'Lý do điều chỉnh') rồi chạy lại 'bdg-workbook review'."),
    "R05": Entry(ERROR, "Ô khóa của trang thẩm định bị sửa",
                 "Ô {name} ({what}) ghi '{found}', khác số liệu gốc '{expected}'; giá trị bị sửa không được dùng.",
                 "Không sửa các ô bị khóa; chỉ sửa cột 'Điểm thẩm định' và 'Lý do điều chỉnh'."),
    "R06": Entry(ERROR, "Số liệu tệp tổng hợp bị sửa",
                 "Trang '{sheet}' của tệp tổng hợp đã bị sửa sau khi ghi ({reason}); không thẩm định trên tệp này.",
                 "Dùng lại tệp tổng hợp do bdg-workbook ghi (hoặc chạy lại 'bdg-workbook collect'); chỉ sửa ở trang "
                 "'Thẩm định'."),
    "R07": Entry(ERROR, "Chữ ký tệp tổng hợp không hợp lệ",
                 "Chữ ký số của tệp tổng hợp không hợp lệ: {reason} Không thẩm định trên tệp này.",
                 "Dùng tệp tổng hợp do phường ký ('bdg-workbook collect' hoặc 'review' ghi); nếu phường vừa đổi khóa, "
                 "chạy lại 'bdg-workbook collect'."),
    "R08": Entry(WARNING, "Tệp tổng hợp không có chữ ký số",
                 "Tệp tổng hợp không có chữ ký số và phường chưa có khóa ký để kiểm tra; chỉ kiểm tra được mã băm "
                 "số liệu.",
                 "Nếu phường đã có khóa, chạy lệnh trong thư mục làm việc hoặc chỉ khóa bằng --keys/--key; nếu phường "
                 "chưa từng tạo khóa, chạy 'bdg-workbook init' rồi chạy lại 'bdg-workbook collect'."),
    "R09": Entry(WARNING, "Thiếu ô thẩm định",
                 "Đơn vị {department}, tiêu chí {criterion}: không có ô Điểm thẩm định ({name}) hoặc ô bị xóa trống; "
                 "giữ điểm {before}.",
                 "Nhập lại điểm vào ô (điểm điền sẵn là {before}) hoặc dùng lại tệp tổng hợp gốc."),
    "R10": Entry(WARNING, "Điểm thẩm định vượt trần phần",
                 "Đơn vị {department}: tổng phần {section} sau thẩm định là {found} điểm, vượt trần; chỉ tính {cap} điểm.",
                 "Không cần sửa."),
    "R11": Entry(INFO, "Đã điều chỉnh điểm",
                 "Đơn vị {department}, tiêu chí {criterion}: {before} → {found} điểm (lý do: {reason}).",
                 ""),
    "R12": Entry(ERROR, "Bác 'Không áp dụng' chưa ghi lý do",
                 "Đơn vị {department}, tiêu chí {criterion}: đơn vị chọn 'Không áp dụng'; ô Điểm thẩm định ghi {found} "
                 "điểm nhưng chưa ghi lý do nên tiêu chí vẫn không áp dụng.",
                 "Muốn chấm tiêu chí này: ghi lý do ở cột 'Lý do điều chỉnh' rồi chạy lại 'bdg-workbook review'; nếu "
                 "đồng ý với đơn vị, ghi lại 'Không áp dụng' vào ô Điểm thẩm định."),
    "R20": Entry(INFO, "Đã bác 'Không áp dụng'",
                 "Đơn vị {department}, tiêu chí {criterion}: Thường trực Ban bác lựa chọn 'Không áp dụng' của đơn vị; "
                 "tiêu chí được chấm {found}/{max} điểm và tính vào thang điểm cơ bản (lý do: {reason}).",
                 ""),
    # ---- district roll-up of ward masters (bdg-workbook rollup FOLDER --keys KEYS)
    "D01": Entry(ERROR, "Bảng tổng hợp của phường chưa ký",
                 "Bảng tổng hợp của {ward} không có chữ ký số; không tổng hợp phường này.",
                 "Đề nghị phường chạy 'bdg-workbook init' (tạo khóa), chạy lại collect/review để ký, rồi gửi lại "
                 "tệp kèm khóa công khai (.pub)."),
    "D02": Entry(ERROR, "Bảng tổng hợp của phường bị sửa",
                 "Số liệu trong bảng tổng hợp của {ward} đã bị sửa sau khi ký ({reason}); không tổng hợp phường này.",
                 "Đề nghị phường gửi lại đúng tệp do bdg-workbook ghi và ký; không sửa tệp bằng tay."),
    "D03": Entry(ERROR, "Khóa ký không có trong danh sách tin cậy",
                 "Bảng tổng hợp của {ward} ký bằng khóa {key} không có trong thư mục khóa tin cậy; không tổng hợp "
                 "phường này.",
                 "Xin phường tệp khóa công khai ('bdg-workbook keys export') qua kênh tin cậy, chép vào thư mục "
                 "--keys rồi chạy lại."),
    "D04": Entry(ERROR, "Chữ ký bảng tổng hợp không khớp",
                 "Chữ ký số của bảng tổng hợp {ward} không hợp lệ: {reason} Không tổng hợp phường này.",
                 "Đề nghị phường gửi lại đúng tệp do bdg-workbook ghi và ký."),
    "D05": Entry(ERROR, "Bảng tổng hợp khác mẫu hoặc khác năm",
                 "Bảng tổng hợp của {ward} dùng {what} '{found}', khác '{expected}' của cấp tổng hợp; không tổng hợp "
                 "phường này.",
                 "Đề nghị phường dùng đúng bảng tiêu chí và năm thi đua đã hướng dẫn rồi gửi lại."),
    "D06": Entry(WARNING, "Một phường gửi nhiều bảng tổng hợp",
                 "{ward} có nhiều bảng tổng hợp; dùng '{kept}', bỏ tệp này.",
                 "Xóa bản cũ khỏi thư mục nhận nếu không cần."),
    "D07": Entry(INFO, "Bảng tổng hợp chưa thẩm định",
                 "Bảng tổng hợp của {ward} chưa qua vòng thẩm định; dùng điểm sau kiểm tra.",
                 ""),
    "D08": Entry(ERROR, "Không phải bảng tổng hợp phường hợp lệ",
                 "Tệp không dùng được như bảng tổng hợp của phường: {reason}.",
                 "Đề nghị phường gửi lại tệp tổng hợp do 'bdg-workbook collect' hoặc 'review' ghi."),
    "D09": Entry(WARNING, "Phường thuộc địa bàn khác",
                 "{ward} ghi thuộc '{found}', khác '{expected}'; vẫn tổng hợp.",
                 "Kiểm tra lại tệp; nếu gửi nhầm, xóa khỏi thư mục nhận."),
    # ---- correction loop (issue 16)
    "L01": Entry(WARNING, "Bài chưa được tính",
                 "Bài của {department} chưa được tính vào tổng hợp: {reason}.",
                 "Thường trực Ban duyệt bài ('bdg-workbook approve {department}') hoặc chờ khóa sổ ngày {close}; "
                 "bài bị từ chối không được tính."),
    # ---- what is counted, keys and receipts (issue 12)
    "F21": Entry(ERROR, "Biểu mẫu chưa điền",
                 "Tệp là biểu mẫu chưa điền (không có kết quả thực hiện, minh chứng hay thuyết minh nào được nhập); "
                 "không tính là đã nộp.",
                 "Đơn vị nhập kết quả tự chấm vào biểu mẫu, lưu lại rồi gửi; nếu đây là thư mục biểu mẫu gửi đi, chỉ "
                 "đúng thư mục nhận bài."),
    "F22": Entry(ERROR, "Không có bảng tự chấm đã điền",
                 "Không tìm thấy bảng tự chấm nào đã điền trong thư mục {found} ({reason}).",
                 "Kiểm tra đã chỉ đúng thư mục nhận bài các đơn vị gửi về (không phải thư mục biểu mẫu gửi đi)."),
    "F23": Entry(WARNING, "Bảng tổng hợp trong thư mục nhận bài",
                 "Tệp là bảng tổng hợp ({reason}), không phải bảng tự chấm của đơn vị; bỏ qua tệp này.",
                 "Chuyển tệp ra khỏi thư mục nhận bài; tổng hợp các phường dùng lệnh 'bdg-workbook rollup'."),
    "W21": Entry(WARNING, "Chưa nộp hợp lệ",
                 "Đơn vị {department} chưa có bảng tự chấm hợp lệ: tệp {found} không được tính ({reason}).",
                 "Xác minh với đơn vị; đề nghị gửi lại đúng biểu mẫu phường đã phát hành, đã điền."),
    "W22": Entry(WARNING, "Không tìm thấy khóa của phường",
                 "Tệp có chữ ký số (khóa {found}) nhưng không tìm thấy khóa của phường để kiểm tra ({reason}); "
                 "tệp chưa được xác minh.",
                 "Chạy lệnh trong thư mục làm việc của phường (có thư mục keys/), hoặc chỉ khóa bằng --keys TỆP.pub, "
                 "--key hoặc biến môi trường BDG_SIGNING_KEY. Không chạy lại 'init' (sẽ tạo khóa thứ hai)."),
    "R13": Entry(ERROR, "Không tìm thấy khóa của phường",
                 "Tệp tổng hợp có chữ ký số (khóa {found}) nhưng không tìm thấy khóa của phường để kiểm tra "
                 "({reason}); không thẩm định trên tệp này.",
                 "Chạy lệnh trong thư mục làm việc của phường, hoặc chỉ khóa bằng --keys/--key hoặc biến môi trường "
                 "BDG_SIGNING_KEY. Không chạy lại 'init' (sẽ tạo khóa thứ hai)."),
    "D10": Entry(ERROR, "Khóa ký không phải của phường này",
                 "Bảng tổng hợp ghi là của {ward} nhưng được ký bằng khóa {key} của {key_ward}; không tổng hợp tệp này.",
                 "Xác minh với phường; mỗi phường chỉ ký bảng tổng hợp của chính mình bằng khóa đã đăng ký."),
    "D11": Entry(ERROR, "Khóa công khai không gắn với phường",
                 "Khóa {key} dùng ký bảng tổng hợp của {ward} là tệp khóa không ghi tên phường ({reason}); "
                 "không tổng hợp tệp này.",
                 "Đề nghị phường xuất lại khóa bằng 'bdg-workbook keys export' (tệp .pub có ghi tên, mã phường) "
                 "và gửi qua kênh tin cậy."),
    # ---- information
    "I01": Entry(INFO, "Đã tiếp nhận",
                 "Đã tiếp nhận bảng điểm của {department}: tổng {found} điểm, xếp loại {rating}.",
                 ""),
}


@dataclass(frozen=True)
class Finding:
    """One problem (or note) found in the returned workbooks, located to file, sheet and cell."""

    code: str
    severity: str
    department: str
    file: str
    sheet: str
    cell: str
    value: str
    message: str
    fix: str
    criterion: str = ""

    def location(self) -> str:
        """``tệp X, trang Y, ô Z`` with the parts that are known."""
        parts = []
        if self.file:
            parts.append(f"tệp {self.file}")
        if self.sheet:
            parts.append(f"trang '{self.sheet}'")
        if self.cell:
            parts.append(f"ô {self.cell}")
        return ", ".join(parts)

    def text(self) -> str:
        """Full Vietnamese sentence: level, place, what is wrong, what to do."""
        where = self.location()
        head = f"[{SEVERITY_VI[self.severity]} {self.code}] " + (f"{where}: " if where else "")
        return head + self.message + (f" Cách sửa: {self.fix}" if self.fix else "")

    def as_dict(self) -> dict[str, str]:
        """Plain dict for JSON and tables."""
        return asdict(self)


def make(code: str, *, department: str = "", file: str = "", sheet: str = "", cell: str = "",
         value: Any = "", criterion: str = "", **params: Any) -> Finding:
    """Build a Finding from the catalogue; ``params`` fill the message and fix templates."""
    entry = CATALOGUE[code]
    fields = {"department": department, "criterion": criterion, "found": _clip(value, 80), **params}
    safe = _Defaults(fields)
    return Finding(code, entry.severity, department, file, sheet, cell, _clip(value),
                   entry.template.format_map(safe), entry.fix.format_map(safe), criterion)


class _Defaults(dict):
    def __missing__(self, key: str) -> str:
        return "?"


def _clip(value: Any, limit: int = 200) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[:limit] + "…"


# Errors that remove only one criterion (or one evidence row) from the count; every other error of a file
# removes the whole file (file-level LỖI: the file is not counted, its unit stays "chưa nộp hợp lệ").
CRITERION_LEVEL_ERRORS = frozenset({"E02", "E03", "E04", "E05", "E06", "E07", "E08", "E11", "E12", "E14", "E15",
                                    "E16", "E31", "E32"})


def is_file_level_error(finding: Finding) -> bool:
    """True for an error that keeps the whole file out of totals and ranks."""
    return finding.severity == ERROR and finding.code not in CRITERION_LEVEL_ERRORS


def count_by_severity(findings: list[Finding]) -> dict[str, int]:
    """Number of findings per severity."""
    out = {ERROR: 0, WARNING: 0, INFO: 0}
    for f in findings:
        out[f.severity] += 1
    return out


class FindingCounts:
    """Mixin for results that hold ``findings``: the number of errors and of warnings."""

    findings: list[Finding]

    @property
    def error_count(self) -> int:
        """Number of error-level findings."""
        return sum(1 for f in self.findings if f.severity == ERROR)

    @property
    def warning_count(self) -> int:
        """Number of warning-level findings."""
        return sum(1 for f in self.findings if f.severity == WARNING)
