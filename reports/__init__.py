"""The congress work report: its content from the data (:mod:`reports.content`), written as
a Word document (:mod:`reports.docx_writer`) and an Excel workbook (:mod:`reports.xlsx_writer`),
with static charts (:mod:`reports.charts`). ``python -m reports`` builds both from the
command line. No Streamlit here."""
