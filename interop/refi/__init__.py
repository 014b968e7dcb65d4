"""REFI-QDA (QDA-XML 1.0): codebooks (.qdc) and projects (.qdpx), read and written.

Pure Python besides settings-free helpers: `model` holds what a project is, `writer` turns one into XML, `reader`
turns untrusted bytes into one (defusedxml, zip limits in `safety`).
"""

from .model import Case, Code, Note, Project, Selection, SetOfSources, TextSource, User, Variable
from .reader import ImportRefused, read_codebook, read_project
from .safety import ZipLimits
from .writer import CODEBOOK_NS, PROJECT_NS, codebook_xml, project_qdpx, project_xml

__all__ = [
    "CODEBOOK_NS", "PROJECT_NS", "Case", "Code", "ImportRefused", "Note", "Project", "Selection", "SetOfSources",
    "TextSource", "User", "Variable", "ZipLimits", "codebook_xml", "project_qdpx", "project_xml", "read_codebook",
    "read_project",
]
