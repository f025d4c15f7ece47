#!/usr/bin/env python3
"""Write templates/reference.docx: the styles of the Word report (pandoc's convention).

`smedx report -o r.docx` copies word/styles.xml of this file (or of the reference.docx in a
`--templates` folder) into every Word report. A provider edits the styles in Word (Home > Styles >
Modify) and saves the file as its own reference.docx; the paragraphs below show each style used.

Run: python3 scripts/reference-docx.py  (standard library only)
"""
import pathlib
import zipfile

FONT = "Noto Sans CJK SC"  # East Asian and Latin text; Word falls back to 等线/DengXian if absent.

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def style(sid, name, ppr="", rpr="", based="Normal", nxt=None, kind="paragraph"):
    based_xml = f'<w:basedOn w:val="{based}"/>' if based else ""
    next_xml = f'<w:next w:val="{nxt}"/>' if nxt else ""
    return (
        f'<w:style w:type="{kind}" w:styleId="{sid}"><w:name w:val="{name}"/>{based_xml}{next_xml}'
        f'<w:qFormat/><w:pPr>{ppr}</w:pPr><w:rPr>{rpr}</w:rPr></w:style>'
    )


def size(half_points):
    return f'<w:sz w:val="{half_points}"/><w:szCs w:val="{half_points}"/>'


STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles {W}>
<w:docDefaults>
<w:rPrDefault><w:rPr><w:rFonts w:ascii="{FONT}" w:hAnsi="{FONT}" w:eastAsia="{FONT}" w:cs="{FONT}"/>
<w:sz w:val="20"/><w:szCs w:val="20"/><w:lang w:val="en-US" w:eastAsia="zh-CN"/></w:rPr></w:rPrDefault>
<w:pPrDefault><w:pPr><w:spacing w:after="120" w:line="300" w:lineRule="auto"/></w:pPr></w:pPrDefault>
</w:docDefaults>
{style("Normal", "Normal", based=None)}
{style("Title", "Title", '<w:jc w:val="center"/><w:spacing w:after="240"/>', '<w:b/><w:bCs/>' + size(40), nxt="Normal")}
{style("Heading1", "heading 1", '<w:keepNext/><w:spacing w:before="360" w:after="160"/><w:outlineLvl w:val="0"/>', '<w:b/><w:bCs/><w:color w:val="1F4E79"/>' + size(30), nxt="Normal")}
{style("Heading2", "heading 2", '<w:keepNext/><w:spacing w:before="240" w:after="120"/><w:outlineLvl w:val="1"/>', '<w:b/><w:bCs/>' + size(24), nxt="Normal")}
{style("Heading3", "heading 3", '<w:keepNext/><w:spacing w:before="200" w:after="80"/><w:outlineLvl w:val="2"/>', '<w:b/><w:bCs/>' + size(22), nxt="Normal")}
{style("TableText", "Table Text", '<w:spacing w:after="0" w:line="240" w:lineRule="auto"/>', size(17))}
{style("Quote", "Quote", '<w:ind w:left="360"/>', '<w:color w:val="5A5A5A"/>')}
{style("ListParagraph", "List Paragraph", '<w:ind w:left="360"/><w:spacing w:after="60"/>')}
{style("Header", "header", '<w:spacing w:after="0"/>', '<w:color w:val="5A5A5A"/>' + size(16))}
{style("Footer", "footer", '<w:jc w:val="center"/><w:spacing w:after="0"/>', '<w:color w:val="5A5A5A"/>' + size(16))}
</w:styles>
"""


def para(sid, text):
    return f'<w:p><w:pPr><w:pStyle w:val="{sid}"/></w:pPr><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'


DOCUMENT = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document {W}><w:body>
{para("Title", "标题 Title：企业名称")}
{para("Normal", "正文 Normal：本文件只提供样式。用 Word 修改各样式（开始 › 样式 › 修改），另存为 reference.docx，放入 smedx report --templates 文件夹。")}
{para("Heading1", "标题 1 Heading 1：一、诊断结论")}
{para("Heading2", "标题 2 Heading 2：维度")}
{para("Heading3", "标题 3 Heading 3：指标")}
{para("TableText", "表格文字 Table Text：表格中的文字")}
{para("Quote", "引用 Quote：说明与提示")}
{para("ListParagraph", "• 列表段落 List Paragraph")}
{para("Header", "页眉 Header：服务商名称 · 企业名称 · 数字化水平诊断报告")}
<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1361" w:right="1020" w:bottom="1134" w:left="1020" w:header="567" w:footer="567" w:gutter="0"/></w:sectPr>
</w:body></w:document>
"""

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>
</Types>
"""

RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
</Relationships>
"""

DOC_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
</Relationships>
"""

out = pathlib.Path(__file__).resolve().parent.parent / "templates" / "reference.docx"
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for name, text in [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", RELS),
        ("word/_rels/document.xml.rels", DOC_RELS),
        ("word/document.xml", DOCUMENT),
        ("word/styles.xml", STYLES),
    ]:
        info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, text)
print(out)
