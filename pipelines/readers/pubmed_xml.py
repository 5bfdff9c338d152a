"""PubMed XML (efetch answers, baseline and update files): a hardened, streaming reader.

``PubmedArticleSet`` files (also gzip), bare ``PubmedArticle``, ``PubmedBookArticle`` and
``DeleteCitation`` are read with lxml's ``iterparse``: entities are never expanded, no DTD is
loaded, nothing touches the network, and every record is cleared (with the siblings before
it) once read, so memory stays flat on a whole 30,000-article baseline file.

A deleted citation comes out as ``Article(ids=..., deleted=True)``; the build removes the
record if it holds it. A record that cannot be read is yielded as a
:class:`~graph.errors.MalformedRecordError` with its PMID and line; a file that is not
well-formed XML yields the good records before the fault, then one error with its line.

Example:
    >>> data = (b"<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID>"
    ...         b"<Article><ArticleTitle>A <i>title</i>.</ArticleTitle></Article>"
    ...         b"</MedlineCitation></PubmedArticle></PubmedArticleSet>")
    >>> [a.title for a in parse_pubmed_xml(data, file="x.xml")]
    ['A title.']
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from lxml import etree

from graph.errors import MalformedRecordError, UnreadableInputError
from graph.model import (
    Article,
    Author,
    Chemical,
    Grant,
    Identifiers,
    Journal,
    Keyword,
    MeshHeading,
    MeshQualifier,
    PubDate,
    Reference,
    RelatedArticle,
    Source,
    normalize_doi,
    normalize_pmcid,
    normalize_pmid,
    normalize_registry_number,
)
from pipelines.readers.xmlutil import (
    ByteSource,
    gunzipped,
    hardened_iterparse,
    normalize_orcid,
    release,
    syntax_error,
)
from pipelines.readers.xmlutil import element_text as _text
from pipelines.readers.xmlutil import month_number as _month
from pipelines.readers.xmlutil import source_line as _line
from pipelines.references import parse_reference, split_pages

__all__ = ["parse_pubmed_xml", "read_pubmed_xml", "sniff_pubmed_xml"]

FORMAT = "pubmed-xml"
_RECORD_TAGS = ("PubmedArticle", "PubmedBookArticle", "DeleteCitation")
_SNIFF = re.compile(
    rb"<(PubmedArticleSet|PubmedArticle|PubmedBookArticle|PubmedBookArticleSet)[\s>]"
)
_YEAR = re.compile(r"\b(1[5-9]\d\d|2[01]\d\d)\b")


def sniff_pubmed_xml(head: bytes) -> bool:
    """True for PubMed XML (a PubmedArticleSet, a bare PubmedArticle or a book article).

    Example:
        >>> sniff_pubmed_xml(b'<?xml version="1.0"?><PubmedArticleSet><PubmedArticle>')
        True
        >>> sniff_pubmed_xml(b"<article><front>")
        False
    """
    return bool(_SNIFF.search(head[:8192]))


def read_pubmed_xml(path: Path) -> Iterator[Article | MalformedRecordError]:
    """Stream the records of a PubMed XML file (``.xml`` or ``.xml.gz``).

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "d.xml"
        >>> _ = p.write_bytes(b"<PubmedArticleSet><DeleteCitation><PMID>9</PMID>"
        ...                   b"</DeleteCitation></PubmedArticleSet>")
        >>> [(a.ids.pmid, a.deleted) for a in read_pubmed_xml(p)]
        [('9', True)]
    """
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise UnreadableInputError(f"cannot open: {exc.strerror}", file=str(path)) from None
    with raw:
        magic = raw.read(2)
        raw.seek(0)
        if magic == b"\x1f\x8b":
            with gunzipped(raw) as gz:
                yield from _iter_records(gz, str(path))
        else:
            yield from _iter_records(raw, str(path))


def parse_pubmed_xml(
    data: bytes, *, file: str = "<bytes>"
) -> Iterator[Article | MalformedRecordError]:
    """Yield the records of PubMed XML held in memory (an efetch answer, say)."""
    yield from _iter_records(io.BytesIO(data), file)


def _iter_records(fh: ByteSource, file: str) -> Iterator[Article | MalformedRecordError]:
    context = hardened_iterparse(fh, _RECORD_TAGS)
    record = 0
    shared: dict[Any, Any] = {}  # values that repeat across the file's records, made once
    try:
        for _, el in context:
            parent = el.getparent()
            if parent is not None and parent.tag == "DeleteCitation":
                continue
            record += 1
            if el.tag == "DeleteCitation":
                for pmid_el in el.iterfind("PMID"):
                    pmid = normalize_pmid(pmid_el.text)
                    if pmid:
                        yield Article(
                            ids=Identifiers(pmid=pmid),
                            deleted=True,
                            source=Source(file, FORMAT, record, _line(pmid_el)),
                        )
            else:
                yield _record(el, file, record, shared)
            release(el)
    except etree.XMLSyntaxError as exc:
        yield syntax_error(exc, file=file, record=record + 1, log=context.error_log)
    except (OSError, EOFError) as exc:  # truncated gzip and the like
        yield MalformedRecordError(f"cannot read on: {exc}", file=file, record=record + 1)


def _kids(el: etree._Element | None) -> dict[Any, etree._Element]:
    """The first child of each tag. Looking children up in one dict is several times faster
    than a ``find`` per field (lxml's ``find`` goes through its Python ElementPath), and a
    record has dozens of fields."""
    out: dict[Any, etree._Element] = {}
    if el is not None:
        for child in el:
            if child.tag not in out:
                out[child.tag] = child
    return out


def _all(el: etree._Element | None, tag: str) -> Iterator[etree._Element]:
    """The children of ``el`` with ``tag``, in order (none for ``None``)."""
    if el is not None:
        yield from el.iterchildren(tag)


def _record(
    el: etree._Element, file: str, record: int, shared: dict[Any, Any]
) -> Article | MalformedRecordError:
    """One ``PubmedArticle`` or ``PubmedBookArticle``. ``shared`` holds the MeSH headings,
    chemicals, journals and publication types made so far in the file: equal frozen values
    are made once and shared by the records that have them (a baseline file's 288,000
    headings are 66,000 distinct values, its 143,000 qualifiers 145). Building them costs
    less, and pickling a batch of records for another process writes each shared value
    once."""
    top = _kids(el)
    citation = top.get("MedlineCitation")
    book = top.get("BookDocument") if citation is None else None
    main = citation if citation is not None else book
    pmid_el = _kids(main).get("PMID") if main is not None else None
    pmid = normalize_pmid(pmid_el.text if pmid_el is not None else None)
    if main is None or pmid is None:
        return MalformedRecordError(
            "record without a PMID", file=file, record=record, line=_line(el)
        )
    try:
        if citation is not None:
            return _article(el, top, citation, pmid, pmid_el, file, record, shared)
        assert book is not None
        return _book(el, book, pmid, file, record)
    except (ValueError, TypeError, AttributeError) as exc:
        return MalformedRecordError(
            f"cannot read record (PMID {pmid}): {exc}", file=file, record=pmid, line=_line(el)
        )


def _ids(pubmed_data: etree._Element | None, pmid: str, doi_hint: str | None) -> Identifiers:
    found: dict[str, str | None] = {"pmid": pmid, "pmcid": None, "doi": doi_hint, "pii": None}
    for ids in _all(pubmed_data, "ArticleIdList"):
        for aid in ids.iterchildren("ArticleId"):
            kind, value = aid.get("IdType"), (aid.text or "").strip()
            if kind == "doi" and not found["doi"]:
                found["doi"] = normalize_doi(value)
            elif kind == "pmc" and not found["pmcid"]:
                found["pmcid"] = normalize_pmcid(value)
            elif kind == "pii" and not found["pii"]:
                found["pii"] = value or None
    return Identifiers(**found)


def _pub_date(el: etree._Element | None) -> PubDate | None:
    if el is None:
        return None
    k = _kids(el)
    year = _plain(k.get("Year"))
    if year and year.strip().isdigit():
        month = _month(_plain(k.get("Month")))
        day_text = _plain(k.get("Day"))
        day = int(day_text) if month and day_text and day_text.strip().isdigit() else None
        season = _plain(k.get("Season"))
        return PubDate(int(year), month, day, season.strip() if season else None)
    medline = _plain(k.get("MedlineDate"))
    if medline:
        m = _YEAR.search(medline)
        if m:
            return PubDate(int(m.group(1)), text=medline.strip())
    return None


def _plain(el: etree._Element | None) -> str | None:
    """``el.text`` (what ``findtext`` gives: ``""`` for an empty element), or ``None``."""
    if el is None:
        return None
    return el.text or ""


def _authors(el: etree._Element | None) -> tuple[tuple[Author, ...], bool]:
    if el is None:
        return (), True
    authors = []
    for a in el.iterchildren("Author"):
        if a.get("ValidYN", "Y") != "Y":
            continue
        k: dict[Any, etree._Element] = {}
        affiliations: list[str] = []
        orcid = None
        for child in a:
            tag = child.tag
            if tag == "AffiliationInfo":
                for x in child.iterchildren("Affiliation"):
                    if t := _text(x):
                        affiliations.append(t)
            elif tag == "Identifier":
                if (child.get("Source") or "").upper() == "ORCID" and child.text:
                    orcid = normalize_orcid(child.text)
            elif tag not in k:
                k[tag] = child
        collective = _text(k.get("CollectiveName"))
        if collective:
            authors.append(Author(collective, collective=True, affiliations=tuple(affiliations)))
            continue
        family = _text(k.get("LastName"))
        given = _text(k.get("ForeName"))
        initials = _text(k.get("Initials"))
        if not family:
            continue
        name = f"{family} {initials}" if initials else family
        authors.append(Author(name, family=family, given=given, initials=initials, orcid=orcid,
                              affiliations=tuple(affiliations)))  # fmt: skip
    return tuple(authors), el.get("CompleteYN", "Y") == "Y"


def _abstract(el: etree._Element | None) -> str | None:
    if el is None:
        return None
    parts = []
    for t in el.iterchildren("AbstractText"):
        text = _text(t)
        if not text:
            continue
        label = t.get("Label")
        parts.append(f"{label}: {text}" if label and label.upper() != "UNLABELLED" else text)
    return "\n".join(parts) or None


def _mesh(mesh_lists: Iterable[etree._Element], shared: dict[Any, Any]) -> tuple[MeshHeading, ...]:
    out = []
    for mesh_list in mesh_lists:
        for h in mesh_list.iterchildren("MeshHeading"):
            d = None
            quals: list[tuple[str, str | None, bool]] = []
            for child in h:
                if child.tag == "QualifierName":
                    quals.append((_text(child) or "", child.get("UI"),
                                  child.get("MajorTopicYN") == "Y"))  # fmt: skip
                elif child.tag == "DescriptorName" and d is None:
                    d = child
            name = _text(d)
            if d is None or not name:
                continue
            major = d.get("MajorTopicYN") == "Y" or any(q[2] for q in quals)
            ui = d.get("UI")
            key = ("mesh", name, ui, major, *quals)
            heading = shared.get(key)
            if heading is None:
                qualifiers = []
                for q in quals:
                    qualifier = shared.get(("qualifier", *q))
                    if qualifier is None:
                        qualifier = shared["qualifier", *q] = MeshQualifier(*q)
                    qualifiers.append(qualifier)
                heading = shared[key] = MeshHeading(name, ui, major, tuple(qualifiers))
            out.append(heading)
    return tuple(out)


def _keywords(keyword_lists: Iterable[etree._Element]) -> tuple[Keyword, ...]:
    out = []
    for kl in keyword_lists:
        owner = kl.get("Owner")
        for k in kl.iterchildren("Keyword"):
            text = _text(k)
            if text:
                out.append(
                    Keyword(text.rstrip("."), owner=owner, major=k.get("MajorTopicYN") == "Y")
                )
    return tuple(out)


def _references(pubmed_data: etree._Element | None) -> tuple[Reference, ...]:
    refs = []
    i = 0
    for ref_list in _all(pubmed_data, "ReferenceList"):
        for r in ref_list.iterchildren("Reference"):
            i += 1
            raw = ""
            ids: dict[str, str | None] = {}
            for child in r:
                if child.tag == "Citation":
                    if not raw:
                        raw = _text(child) or ""
                elif child.tag == "ArticleIdList":
                    for aid in child.iterchildren("ArticleId"):
                        kind, value = aid.get("IdType"), aid.text
                        if kind == "pubmed":
                            ids["pmid"] = normalize_pmid(value)
                        elif kind == "doi":
                            ids["doi"] = normalize_doi(value)
                        elif kind == "pmc" or kind == "pmcid":
                            ids["pmcid"] = normalize_pmcid(value)
            given = Identifiers(**ids)
            if given.is_empty() and raw:
                # Only a reference without identifiers is parsed: where PubMed gives the cited
                # work's ids they are authoritative, and its fields come from its own record.
                refs.append(parse_reference(raw, ordinal=i))
            else:
                refs.append(Reference(raw=raw, ordinal=i, ids=given))
    return tuple(refs)


def _journal(
    j: etree._Element | None, info: etree._Element | None, shared: dict[Any, Any]
) -> Journal:
    issn_print = issn_electronic = None
    jk = _kids(j)
    if j is not None:
        for issn in j.iterchildren("ISSN"):
            if issn.get("IssnType") == "Electronic":
                issn_electronic = _text(issn)
            else:
                issn_print = _text(issn)
    ik = _kids(info)
    fields = (
        _text(jk.get("Title")),
        _text(jk.get("ISOAbbreviation")) or _text(ik.get("MedlineTA")),
        issn_print,
        issn_electronic,
        _text(ik.get("ISSNLinking")),
        _text(ik.get("NlmUniqueID")),
    )
    journal = shared.get(("journal", *fields))
    if journal is None:
        journal = shared["journal", *fields] = Journal(*fields)
    return journal


def _related(lists: Iterable[etree._Element]) -> tuple[RelatedArticle, ...]:
    out = []
    for cl in lists:
        for c in cl.iterchildren("CommentsCorrections"):
            k = _kids(c)
            pmid = normalize_pmid(_plain(k.get("PMID")))
            if pmid:
                out.append(RelatedArticle(c.get("RefType") or "Related", Identifiers(pmid=pmid),
                                          _text(k.get("RefSource"))))  # fmt: skip
    return tuple(out)


def _article(
    el: etree._Element,
    top: dict[Any, etree._Element],
    citation: etree._Element,
    pmid: str,
    pmid_el: etree._Element | None,
    file: str,
    record: int,
    shared: dict[Any, Any],
) -> Article:
    ck: dict[Any, etree._Element] = {}
    mesh_lists: list[etree._Element] = []
    keyword_lists: list[etree._Element] = []
    related_lists: list[etree._Element] = []
    for child in citation:
        tag = child.tag
        if tag == "MeshHeadingList":
            mesh_lists.append(child)
        elif tag == "KeywordList":
            keyword_lists.append(child)
        elif tag == "CommentsCorrectionsList":
            related_lists.append(child)
        elif tag not in ck:
            ck[tag] = child
    article = ck.get("Article")
    if article is None:
        raise ValueError("no <Article> element")
    ak: dict[Any, etree._Element] = {}
    doi_hint = None
    article_number = None
    types: list[str] = []
    grants: list[Grant] = []
    for child in article:
        tag = child.tag
        if tag == "ELocationID":
            if child.get("EIdType") == "doi" and doi_hint is None:
                doi_hint = normalize_doi(child.text)
            elif child.get("EIdType") == "pii" and article_number is None:
                article_number = _text(child)
        elif tag not in ak:
            ak[tag] = child
    for p in _all(ak.get("PublicationTypeList"), "PublicationType"):
        if t := _text(p):
            types.append(t)
    for g in _all(ak.get("GrantList"), "Grant"):
        gk = _kids(g)
        grant = Grant(agency=_text(gk.get("Agency")), grant_id=_text(gk.get("GrantID")),
                      acronym=_text(gk.get("Acronym")),
                      country=_text(gk.get("Country")))  # fmt: skip
        if grant.agency or grant.grant_id:
            grants.append(grant)
    pagination = _kids(ak.get("Pagination"))
    first = _text(pagination.get("StartPage"))
    last = _text(pagination.get("EndPage"))
    if not first:
        first, last = split_pages(_text(pagination.get("MedlinePgn")))
    journal = ak.get("Journal")
    issue = _kids(journal).get("JournalIssue")
    ik = _kids(issue)
    authors, complete = _authors(ak.get("AuthorList"))
    version = pmid_el.get("Version") if pmid_el is not None else None
    pubmed_data = top.get("PubmedData")
    chemicals = []
    for chem in _all(ck.get("ChemicalList"), "Chemical"):
        kids = _kids(chem)
        number = normalize_registry_number(_text(kids.get("RegistryNumber")))
        sub = kids.get("NameOfSubstance")
        if name := _text(sub) or number:
            ui = (sub.get("UI") if sub is not None else None) or None
            chemical = shared.get(("chemical", name, ui, number))
            if chemical is None:
                chemical = shared["chemical", name, ui, number] = Chemical(name, ui, number)
            chemicals.append(chemical)
    return Article(
        ids=_ids(pubmed_data, pmid, doi_hint),
        title=_text(ak.get("ArticleTitle")),
        vernacular_title=_text(ak.get("VernacularTitle")),
        abstract=_abstract(ak.get("Abstract")),
        authors=authors,
        authors_complete=complete,
        journal=_journal(journal, ck.get("MedlineJournalInfo"), shared),
        pub_date=_pub_date(ik.get("PubDate")) or _pub_date(ak.get("ArticleDate")),
        volume=_text(ik.get("Volume")),
        issue=_text(ik.get("Issue")),
        first_page=first,
        last_page=last,
        article_number=article_number,
        language=_text(ak.get("Language")),
        publication_types=shared.setdefault(("types", *types), tuple(types)),
        keywords=_keywords(keyword_lists),
        mesh=_mesh(mesh_lists, shared),
        chemicals=tuple(chemicals),
        grants=tuple(grants),
        related=_related(related_lists),
        references=_references(pubmed_data),
        source=Source(file, FORMAT, record, _line(el)),
        pmid_version=int(version) if version and version.isdigit() else None,
    )


def _book(el: etree._Element, book: etree._Element, pmid: str, file: str, record: int) -> Article:
    b = book.find("Book")
    book_title = _text(b.find("BookTitle")) if b is not None else None
    title = _text(book.find("ArticleTitle")) or book_title  # a chapter, else the book itself
    authors, complete = _authors(book.find("AuthorList"))
    if not authors and b is not None:
        authors, complete = _authors(b.find("AuthorList"))
    ids: dict[str, str | None] = {"pmid": pmid}
    for eloc in book.iterfind("Book/ELocationID"):
        if eloc.get("EIdType") == "doi":
            ids["doi"] = normalize_doi(eloc.text)
    for aid in el.iterfind("PubmedBookData/ArticleIdList/ArticleId"):
        if aid.get("IdType") == "doi":
            ids["doi"] = normalize_doi(aid.text)
        elif aid.get("IdType") == "pmc":
            ids["pmcid"] = normalize_pmcid(aid.text)
    return Article(
        ids=Identifiers(**ids),
        title=title,
        abstract=_abstract(book.find("Abstract")),
        authors=authors,
        authors_complete=complete,
        journal=Journal(title=book_title) if book_title and book_title != title else None,
        pub_date=_pub_date(b.find("PubDate") if b is not None else None),
        language=_text(book.find("Language")),
        publication_types=(
            "Book",
            *(t for p in book.iterfind("PublicationType") if (t := _text(p))),
        ),
        keywords=tuple(
            Keyword(t.rstrip("."), owner=kl.get("Owner"))
            for kl in book.iterfind("KeywordList")
            for k in kl.iterfind("Keyword")
            if (t := _text(k))
        ),
        source=Source(file, FORMAT, record, _line(el)),
    )
