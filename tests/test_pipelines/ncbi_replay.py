"""A real HTTP server on 127.0.0.1 that answers E-utilities requests from recorded NCBI data.

It holds the recorded responses in ``tests/fixtures/eutils/`` (see tests/fixtures/README.md)
and answers from them:

* efetch: the recorded ``<PubmedArticle>`` records of the requested ids, in request order,
  inside the recorded ``PubmedArticleSet`` header (a single-id request for a recorded id gets
  the recorded body byte for byte); ids it holds no record of are left out, as NCBI does;
* elink: the recorded ``eLinkResult`` for PMID 1234567 (all link names, as recorded); for
  ``pubmed_pubmed_refs`` of a record it holds, the PMIDs of that record's own
  ``<ReferenceList>``, in the recorded elink layout; any other id: a LinkSet without links;
* esearch: the recorded answer for ``hart rk[author]``; ``"DOI"[doi]`` answered from the DOIs
  in the records it holds, in the recorded esearch layout;
* ecitmatch: the recorded ECitMatch answer line for its citation; other lines unmatched.

Anything else gets 404 ("not recorded"), so a test notices an unexpected request. Every
request is logged with its arrival time (``time.monotonic``), method, path and parameters;
``faults`` queues failures (an HTTP status with headers, or a hang) for the next requests;
``down`` makes endpoints answer 503.
"""

from __future__ import annotations

import re
import threading
import time
import urllib.parse
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from lxml import etree

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "eutils"


@dataclass
class Seen:
    """One request as the server received it."""

    t: float
    method: str
    path: str
    params: list[tuple[str, str]]

    def get(self, name: str) -> list[str]:
        return [v for k, v in self.params if k == name]


@dataclass
class Fault:
    """Answer the next request with ``status`` (and ``headers``), or hang ``hang`` seconds."""

    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    hang: float = 0.0


def _parse(data: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.fromstring(data, parser)


class Recorded:
    """The recorded responses, indexed."""

    def __init__(self, root: Path = FIXTURES) -> None:
        self.efetch_bodies: dict[str, bytes] = {}
        self.records: dict[str, bytes] = {}
        self.header = b""
        for path in sorted(root.glob("efetch_*.xml")):
            pmid = path.stem.split("_", 1)[1]
            body = path.read_bytes()
            self.efetch_bodies[pmid] = body
            start = body.index(b"<PubmedArticle>")
            end = body.rindex(b"</PubmedArticle>") + len(b"</PubmedArticle>")
            self.records[pmid] = body[start:end]
            self.header = body[:start]
        self.elink_bodies = {
            p.stem.split("_", 1)[1]: p.read_bytes() for p in root.glob("elink_*.xml")
        }
        self.esearch_bodies = {
            "hart rk[author]": (root / "esearch_hart_rk_author.xml").read_bytes()
        }
        self.ecitmatch_lines = (root / "ecitmatch_2014248.txt").read_text().splitlines()

    def references(self, pmid: str) -> list[str]:
        """PMIDs in the ReferenceList of a held record, in order."""
        root = _parse(self.efetch_bodies[pmid])
        return [
            el.text.strip()
            for el in root.iterfind(".//ReferenceList/Reference/ArticleIdList/ArticleId")
            if el.get("IdType") == "pubmed" and el.text
        ]

    def dois(self) -> dict[str, str]:
        out = {}
        for pmid, body in self.efetch_bodies.items():
            root = _parse(body)
            for el in root.iterfind("PubmedArticle/PubmedData/ArticleIdList/ArticleId"):
                if el.get("IdType") == "doi" and el.text:
                    out[el.text.strip().lower()] = pmid
        return out

    # -- answers ----------------------------------------------------------------------

    def efetch(self, ids: list[str]) -> bytes:
        if len(ids) == 1 and ids[0] in self.efetch_bodies:
            return self.efetch_bodies[ids[0]]
        body = b"".join(self.records[i] for i in ids if i in self.records)
        return self.header + body + b"</PubmedArticleSet>\n"

    def elink(self, ids: list[str], linkname: str) -> bytes:
        if len(ids) == 1 and ids[0] in self.elink_bodies:
            return self.elink_bodies[ids[0]]
        template = _parse(self.elink_bodies["1234567"])
        out = etree.Element("eLinkResult")
        for pmid in ids:
            if pmid in self.elink_bodies:
                out.extend(_parse(self.elink_bodies[pmid]).iterfind("LinkSet"))
                continue
            linkset = etree.SubElement(out, "LinkSet")
            etree.SubElement(linkset, "DbFrom").text = "pubmed"
            etree.SubElement(etree.SubElement(linkset, "IdList"), "Id").text = pmid
            refs = self.references(pmid) if pmid in self.records else []
            if linkname == "pubmed_pubmed_refs" and refs:
                db = etree.SubElement(linkset, "LinkSetDb")
                etree.SubElement(db, "DbTo").text = "pubmed"
                etree.SubElement(db, "LinkName").text = linkname
                for ref in refs:
                    etree.SubElement(etree.SubElement(db, "Link"), "Id").text = ref
        head = self.elink_bodies["1234567"].split(b"<eLinkResult>")[0]
        assert template.tag == "eLinkResult"
        return head + etree.tostring(out) + b"\n"

    def esearch(self, term: str) -> bytes | None:
        m = re.fullmatch(r'"(.+)"\[doi\]', term)
        if m is None:
            return self.esearch_bodies.get(term.lower())
        pmid = self.dois().get(m.group(1).lower())
        body = self.esearch_bodies["hart rk[author]"]
        root = _parse(body)
        count, retmax, idlist = root.find("Count"), root.find("RetMax"), root.find("IdList")
        assert count is not None and retmax is not None and idlist is not None
        count.text = retmax.text = "1" if pmid else "0"
        for el in list(idlist):
            idlist.remove(el)
        if pmid:
            etree.SubElement(idlist, "Id").text = pmid
        for tag in ("TranslationSet", "QueryTranslation"):
            found = root.find(tag)
            if found is not None:
                root.remove(found)
        return body.split(b"<eSearchResult>")[0] + etree.tostring(root) + b"\n"

    def ecitmatch(self, bdata: str) -> bytes:
        answers = {"|".join(line.split("|")[:5]): line for line in self.ecitmatch_lines}
        out = []
        for line in filter(None, bdata.replace("\n", "\r").split("\r")):
            fields = line.rstrip("|").split("|")
            citation, key = "|".join(fields[:5]), fields[5] if len(fields) > 5 else ""
            recorded = answers.get(citation)
            pmid = recorded.split("|")[6] if recorded else "NOT_FOUND"
            out.append(f"{citation}|{key}|{pmid}")
        return ("\n".join(out) + "\n").encode()


class ReplayServer:
    """``with ReplayServer() as srv:`` -- a server on an ephemeral 127.0.0.1 port."""

    def __init__(self, recorded: Recorded | None = None) -> None:
        self.recorded = recorded or Recorded()
        self.seen: list[Seen] = []
        self.faults: deque[Fault] = deque()
        self.down: set[str] = set()
        """Endpoints (e.g. ``"elink.fcgi"``) that answer 503 until removed."""
        self._lock = threading.Lock()
        self._release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                parts = urllib.parse.urlsplit(self.path)
                self._answer("GET", parts.path, parts.query)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                query = self.rfile.read(length).decode("ascii")
                self._answer("POST", urllib.parse.urlsplit(self.path).path, query)

            def _answer(self, method: str, path: str, query: str) -> None:
                params = urllib.parse.parse_qsl(query, keep_blank_values=True)
                with server._lock:
                    server.seen.append(Seen(time.monotonic(), method, path, params))
                    fault = server.faults.popleft() if server.faults else None
                if fault is not None and fault.hang:
                    server._release.wait(fault.hang)
                    return
                if fault is not None:
                    self._send(fault.status, b"recorded failure\n", fault.headers)
                    return
                if path.rsplit("/", 1)[-1] in server.down:
                    self._send(503, b"recorded failure\n", {})
                    return
                status, body = server.route(path, params)
                self._send(status, body, {})

            def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "text/xml; charset=UTF-8")
                self.send_header("Content-Length", str(len(body)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/entrez/eutils/"
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    def route(self, path: str, params: list[tuple[str, str]]) -> tuple[int, bytes]:
        p = dict(params)
        ids = [i for v in (v for k, v in params if k == "id") for i in v.split(",") if i]
        endpoint = path.rsplit("/", 1)[-1]
        if endpoint == "efetch.fcgi" and p.get("db") == "pubmed":
            return 200, self.recorded.efetch(ids)
        if endpoint == "elink.fcgi" and p.get("dbfrom") == "pubmed":
            return 200, self.recorded.elink(ids, p.get("linkname", ""))
        if endpoint == "esearch.fcgi" and p.get("db") == "pubmed":
            body = self.recorded.esearch(p.get("term", ""))
            if body is not None:
                return 200, body
        if endpoint == "ecitmatch.cgi":
            return 200, self.recorded.ecitmatch(p.get("bdata", ""))
        return 404, b"not recorded\n"

    def requests(self, endpoint: str | None = None) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if endpoint is None or s.path.endswith(endpoint)]

    def __enter__(self) -> ReplayServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._release.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
