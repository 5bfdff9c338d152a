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

import gzip
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from lxml import etree

from graph.errors import MalformedRecordError, UnreadableInputError
from graph.model import (
    Article,
    Author,
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
)
from pipelines.readers.xmlutil import element_text as _text
from pipelines.readers.xmlutil import hardened_iterparse, normalize_orcid, release, syntax_error
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
            with gzip.GzipFile(fileobj=raw) as gz:
                yield from _iter_records(gz, str(path))
        else:
            yield from _iter_records(raw, str(path))


def parse_pubmed_xml(
    data: bytes, *, file: str = "<bytes>"
) -> Iterator[Article | MalformedRecordError]:
    """Yield the records of PubMed XML held in memory (an efetch answer, say)."""
    yield from _iter_records(io.BytesIO(data), file)


def _iter_records(
    fh: IO[bytes] | gzip.GzipFile, file: str
) -> Iterator[Article | MalformedRecordError]:
    context = hardened_iterparse(fh, _RECORD_TAGS)
    record = 0
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
                yield _record(el, file, record)
            release(el)
    except etree.XMLSyntaxError as exc:
        yield syntax_error(exc, file=file, record=record + 1, log=context.error_log)
    except (OSError, EOFError) as exc:  # truncated gzip and the like
        yield MalformedRecordError(f"cannot read on: {exc}", file=file, record=record + 1)


def _record(el: etree._Element, file: str, record: int) -> Article | MalformedRecordError:
    citation = el.find("MedlineCitation")
    book = el.find("BookDocument") if citation is None else None
    main = citation if citation is not None else book
    pmid_el = main.find("PMID") if main is not None else None
    pmid = normalize_pmid(pmid_el.text if pmid_el is not None else None)
    if main is None or pmid is None:
        return MalformedRecordError(
            "record without a PMID", file=file, record=record, line=_line(el)
        )
    try:
        if citation is not None:
            return _article(el, citation, pmid, pmid_el, file, record)
        assert book is not None
        return _book(el, book, pmid, file, record)
    except (ValueError, TypeError, AttributeError) as exc:
        return MalformedRecordError(
            f"cannot read record (PMID {pmid}): {exc}", file=file, record=pmid, line=_line(el)
        )


def _ids(el: etree._Element, pmid: str, doi_hint: str | None) -> Identifiers:
    found: dict[str, str | None] = {"pmid": pmid, "pmcid": None, "doi": doi_hint, "pii": None}
    for aid in el.iterfind("PubmedData/ArticleIdList/ArticleId"):
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
    year = el.findtext("Year")
    if year and year.strip().isdigit():
        month = _month(el.findtext("Month"))
        day_text = el.findtext("Day")
        day = int(day_text) if month and day_text and day_text.strip().isdigit() else None
        season = el.findtext("Season")
        return PubDate(int(year), month, day, season.strip() if season else None)
    medline = el.findtext("MedlineDate")
    if medline:
        m = _YEAR.search(medline)
        if m:
            return PubDate(int(m.group(1)), text=medline.strip())
    return None


def _authors(el: etree._Element | None) -> tuple[tuple[Author, ...], bool]:
    if el is None:
        return (), True
    authors = []
    for a in el.iterfind("Author"):
        if a.get("ValidYN", "Y") != "Y":
            continue
        affiliations = tuple(
            t for x in a.iterfind("AffiliationInfo/Affiliation") if (t := _text(x))
        )
        orcid = None
        for ident in a.iterfind("Identifier"):
            if (ident.get("Source") or "").upper() == "ORCID" and ident.text:
                orcid = normalize_orcid(ident.text)
        collective = _text(a.find("CollectiveName"))
        if collective:
            authors.append(Author(collective, collective=True, affiliations=affiliations))
            continue
        family = _text(a.find("LastName"))
        given = _text(a.find("ForeName"))
        initials = _text(a.find("Initials"))
        if not family:
            continue
        name = f"{family} {initials}" if initials else family
        authors.append(Author(name, family=family, given=given, initials=initials, orcid=orcid,
                              affiliations=affiliations))  # fmt: skip
    return tuple(authors), el.get("CompleteYN", "Y") == "Y"


def _abstract(el: etree._Element | None) -> str | None:
    if el is None:
        return None
    parts = []
    for t in el.iterfind("AbstractText"):
        text = _text(t)
        if not text:
            continue
        label = t.get("Label")
        parts.append(f"{label}: {text}" if label and label.upper() != "UNLABELLED" else text)
    return "\n".join(parts) or None


def _mesh(citation: etree._Element) -> tuple[MeshHeading, ...]:
    out = []
    for h in citation.iterfind("MeshHeadingList/MeshHeading"):
        d = h.find("DescriptorName")
        if d is None or not _text(d):
            continue
        quals = tuple(
            MeshQualifier(_text(q) or "", ui=q.get("UI"), major=q.get("MajorTopicYN") == "Y")
            for q in h.iterfind("QualifierName")
        )
        major = d.get("MajorTopicYN") == "Y" or any(q.major for q in quals)
        out.append(MeshHeading(_text(d) or "", ui=d.get("UI"), major=major, qualifiers=quals))
    return tuple(out)


def _keywords(citation: etree._Element) -> tuple[Keyword, ...]:
    out = []
    for kl in citation.iterfind("KeywordList"):
        owner = kl.get("Owner")
        for k in kl.iterfind("Keyword"):
            text = _text(k)
            if text:
                out.append(
                    Keyword(text.rstrip("."), owner=owner, major=k.get("MajorTopicYN") == "Y")
                )
    return tuple(out)


def _references(el: etree._Element) -> tuple[Reference, ...]:
    refs = []
    for i, r in enumerate(el.iterfind("PubmedData/ReferenceList/Reference"), start=1):
        raw = _text(r.find("Citation")) or ""
        ids: dict[str, str | None] = {}
        for aid in r.iterfind("ArticleIdList/ArticleId"):
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
            parsed = parse_reference(raw, ordinal=i)
            refs.append(parsed)
        else:
            refs.append(Reference(raw=raw, ordinal=i, ids=given))
    return tuple(refs)


def _journal(article: etree._Element, citation: etree._Element) -> Journal:
    j = article.find("Journal")
    issn_print = issn_electronic = None
    if j is not None:
        for issn in j.iterfind("ISSN"):
            if issn.get("IssnType") == "Electronic":
                issn_electronic = _text(issn)
            else:
                issn_print = _text(issn)
    info = citation.find("MedlineJournalInfo")
    return Journal(
        title=_text(j.find("Title")) if j is not None else None,
        abbreviation=(_text(j.find("ISOAbbreviation")) if j is not None else None)
        or (_text(info.find("MedlineTA")) if info is not None else None),
        issn_print=issn_print,
        issn_electronic=issn_electronic,
        issn_linking=_text(info.find("ISSNLinking")) if info is not None else None,
        nlm_id=_text(info.find("NlmUniqueID")) if info is not None else None,
    )


def _related(citation: etree._Element) -> tuple[RelatedArticle, ...]:
    out = []
    for c in citation.iterfind("CommentsCorrectionsList/CommentsCorrections"):
        pmid = normalize_pmid(c.findtext("PMID"))
        if pmid:
            out.append(RelatedArticle(c.get("RefType") or "Related", Identifiers(pmid=pmid),
                                      _text(c.find("RefSource"))))  # fmt: skip
    return tuple(out)


def _article(
    el: etree._Element,
    citation: etree._Element,
    pmid: str,
    pmid_el: etree._Element | None,
    file: str,
    record: int,
) -> Article:
    article = citation.find("Article")
    if article is None:
        raise ValueError("no <Article> element")
    doi_hint = None
    article_number = None
    for eloc in article.iterfind("ELocationID"):
        if eloc.get("EIdType") == "doi" and doi_hint is None:
            doi_hint = normalize_doi(eloc.text)
        elif eloc.get("EIdType") == "pii" and article_number is None:
            article_number = _text(eloc)
    first = _text(article.find("Pagination/StartPage"))
    last = _text(article.find("Pagination/EndPage"))
    if not first:
        first, last = split_pages(_text(article.find("Pagination/MedlinePgn")))
    issue = article.find("Journal/JournalIssue")
    authors, complete = _authors(article.find("AuthorList"))
    version = pmid_el.get("Version") if pmid_el is not None else None
    return Article(
        ids=_ids(el, pmid, doi_hint),
        title=_text(article.find("ArticleTitle")),
        vernacular_title=_text(article.find("VernacularTitle")),
        abstract=_abstract(article.find("Abstract")),
        authors=authors,
        authors_complete=complete,
        journal=_journal(article, citation),
        pub_date=_pub_date(issue.find("PubDate") if issue is not None else None)
        or _pub_date(article.find("ArticleDate")),
        volume=_text(issue.find("Volume")) if issue is not None else None,
        issue=_text(issue.find("Issue")) if issue is not None else None,
        first_page=first,
        last_page=last,
        article_number=article_number,
        language=_text(article.find("Language")),
        publication_types=tuple(
            t for p in article.iterfind("PublicationTypeList/PublicationType") if (t := _text(p))
        ),
        keywords=_keywords(citation),
        mesh=_mesh(citation),
        chemicals=tuple(
            t for c in citation.iterfind("ChemicalList/Chemical/NameOfSubstance") if (t := _text(c))
        ),
        grants=tuple(
            " ".join(x for x in (g.findtext("GrantID"), g.findtext("Agency")) if x)
            for g in article.iterfind("GrantList/Grant")
        ),
        related=_related(citation),
        references=_references(el),
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
