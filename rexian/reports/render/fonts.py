"""The Chinese font the PDF and the charts are drawn with, found at run time.

A PDF shows Chinese only with a CJK font embedded in it, and reportlab embeds TrueType
outlines only: Noto CJK (fonts-noto-cjk), whose outlines are PostScript (CFF), cannot be
used, so the PDF looks for WenQuanYi Zen Hei (Debian's fonts-wqy-zenhei) and the like.
The charts (matplotlib) take either kind. `REXIAN_REPORT_FONT` names a file to use instead.
Without any, PDF and charts raise `FontMissing` with what to install, rather than printing
empty boxes; the Word file needs no font file (Word uses the reader's 宋体 and 黑体).
"""

from __future__ import annotations

import functools
from pathlib import Path

from django.utils.translation import gettext as _

from rexian.reports.conf import REPORT_FONT, report_font

# TrueType outlines: usable by the PDF and the charts. Debian, then common Windows and macOS places.
TRUETYPE_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "C:/Windows/Fonts/simhei.ttf",
    "C:/Windows/Fonts/simsun.ttc",
    "/System/Library/Fonts/Supplemental/Songti.ttc",
)
# PostScript outlines: the charts only.
OPENTYPE_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
)


class FontMissing(RuntimeError):
    """No usable CJK font file: the PDF or chart would show boxes instead of Chinese."""


def _missing(purpose: str) -> FontMissing:
    return FontMissing(
        _("找不到可用于%(purpose)s的中文字体：请安装 fonts-wqy-zenhei（apt-get install fonts-wqy-zenhei），"
          "或用环境变量 %(setting)s 指定一个 TrueType 中文字体文件。")
        % {"purpose": purpose, "setting": REPORT_FONT}
    )


@functools.lru_cache(maxsize=8)
def _embeddable(path: str) -> bool:
    """Whether reportlab can embed the font (TrueType outlines); face 0 of a collection."""
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    try:
        TTFont("probe", path, subfontIndex=0)
    except (TTFError, OSError):
        return False
    return True


def _configured() -> str | None:
    path = report_font()
    if path and not Path(path).is_file():
        raise FontMissing(_("%(setting)s 指定的字体文件不存在：%(path)s") % {"setting": REPORT_FONT, "path": path})
    return path or None


def pdf_font_path() -> str:
    """A CJK font file the PDF can embed; raises FontMissing."""
    configured = _configured()
    if configured:
        if not _embeddable(configured):
            raise FontMissing(
                _("%(setting)s 指定的字体（%(path)s）不是 TrueType 轮廓字体，PDF 无法嵌入；请改用 wqy-zenhei 等字体。")
                % {"setting": REPORT_FONT, "path": configured}
            )
        return configured
    for path in TRUETYPE_CANDIDATES:
        if Path(path).is_file() and _embeddable(path):
            return path
    raise _missing(_("PDF"))


def chart_font_path() -> str:
    """A CJK font file for the charts (TrueType or OpenType); raises FontMissing."""
    configured = _configured()
    if configured:
        return configured
    for path in (*TRUETYPE_CANDIDATES, *OPENTYPE_CANDIDATES):
        if Path(path).is_file():
            return path
    raise _missing(_("图表"))
