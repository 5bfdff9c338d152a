/*
 * graph._ntcut: citegraph's quads on their way through GNU sort, in C.
 *
 * QuadSorter (graph/serialize.py) hands GNU sort its quads as lines: an N-Triples line, a
 * tab, the number of its graph, a newline ("<s> <p> \"o\" .\t12\n").
 *
 * QuadWriter writes those lines to the sort's input from the triples themselves (tuples of
 * three N-Triples terms): the bytes of f"{s} {p} {o} .\t{n}\n" for each, UTF-8, in 1 MB
 * writes, without a Python string made per line.
 *
 * cut() reads what the sort gives back (sorted, so a triple's quads are next to each other
 * and a subject's triples too) and writes each distinct triple once, the quads of the
 * dropped graphs left out:
 *
 *   - as its N-Triples line, to one file: the bytes awk's "$1 != p { print $1; p = $1 }"
 *     writes;
 *   - and, optionally, as Turtle, to another: the bytes Oxigraph's Turtle serialiser
 *     (pyoxigraph 0.5) writes after its @prefix lines for the same triples and prefixes.
 *     A subject's predicates are joined with " ;", a predicate's objects with " ,"; IRIs
 *     in a prefix's namespace become prefixed names (the longest namespace whose local
 *     name can be written, escaped as Oxigraph escapes it), rdf:type becomes "a";
 *     booleans, integers, decimals and doubles are written bare; literals are escaped as
 *     oxrdf escapes them; language tags are lower-cased.
 *
 * Both write with write(2) on the descriptors given, the GIL released while they wait.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OUT_SIZE (1 << 20)
#define IN_SIZE (1 << 22)

static const char RDF_TYPE[] = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
static const char XSD[] = "http://www.w3.org/2001/XMLSchema#";

/* ------------------------------------------------------------------ output buffers */

typedef struct {
    int fd;
    char *buf;
    size_t len;
    int err; /* errno of the first failed write, else 0; later writes are dropped */
} Sink;

static void write_all(Sink *s, const char *p, size_t n) {
    while (n > 0 && !s->err) {
        ssize_t w = write(s->fd, p, n);
        if (w < 0) {
            if (errno != EINTR)
                s->err = errno;
            continue;
        }
        p += w;
        n -= (size_t)w;
    }
}

static void flush(Sink *s) {
    write_all(s, s->buf, s->len);
    s->len = 0;
}

static inline void put(Sink *s, const char *p, size_t n) {
    if (OUT_SIZE - s->len < n) {
        flush(s);
        if (n > OUT_SIZE) {
            write_all(s, p, n);
            return;
        }
    }
    memcpy(s->buf + s->len, p, n);
    s->len += n;
}

static inline void put_byte(Sink *s, char c) {
    if (s->len == OUT_SIZE)
        flush(s);
    s->buf[s->len++] = c;
}

/* ------------------------------------------------------------------ Turtle terms */

typedef struct {
    const char *name; /* (in the bytes objects of the caller's prefixes: alive for the call) */
    size_t name_len;
    const char *ns;
    size_t ns_len;
} Prefix;

#define KEY_AT 7 /* the byte of an IRI that picks the prefixes to try: "http://X", "https:/" */

typedef struct {
    Prefix *prefixes; /* longest namespace first, as Oxigraph tries them */
    size_t count;
    /* For each value of an IRI's byte KEY_AT, the prefixes it may be in (their indices,
     * longest first): those whose namespace has that byte there, and the shorter ones. */
    size_t *buckets[256];
    size_t bucket_len[256];
    char *scratch; /* an escaped local name */
    size_t scratch_cap;
} Names;

/* The next code point of valid UTF-8 at p[*i] (0 when the bytes are not UTF-8). */
static int next_code_point(const unsigned char *p, size_t len, size_t *i, uint32_t *cp) {
    unsigned char c = p[*i];
    size_t more;
    uint32_t v;
    if (c < 0x80) {
        *cp = c;
        *i += 1;
        return 1;
    }
    if ((c & 0xE0) == 0xC0) {
        more = 1;
        v = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        more = 2;
        v = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        more = 3;
        v = c & 0x07;
    } else {
        return 0;
    }
    if (*i + more >= len)
        return 0;
    for (size_t k = 1; k <= more; k++) {
        unsigned char b = p[*i + k];
        if ((b & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (b & 0x3F);
    }
    *i += more + 1;
    *cp = v;
    return 1;
}

/* Turtle's PN_CHARS_BASE, PN_CHARS_U and PN_CHARS. */
static int pn_chars_base(uint32_t c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= 0xC0 && c <= 0xD6) ||
           (c >= 0xD8 && c <= 0xF6) || (c >= 0xF8 && c <= 0x2FF) ||
           (c >= 0x370 && c <= 0x37D) || (c >= 0x37F && c <= 0x1FFF) ||
           (c >= 0x200C && c <= 0x200D) || (c >= 0x2070 && c <= 0x218F) ||
           (c >= 0x2C00 && c <= 0x2FEF) || (c >= 0x3001 && c <= 0xD7FF) ||
           (c >= 0xF900 && c <= 0xFDCF) || (c >= 0xFDF0 && c <= 0xFFFD) ||
           (c >= 0x10000 && c <= 0xEFFFF);
}

static int pn_chars_u(uint32_t c) { return pn_chars_base(c) || c == '_'; }

static int pn_chars(uint32_t c) {
    return pn_chars_u(c) || c == '-' || (c >= '0' && c <= '9') || c == 0xB7 ||
           (c >= 0x300 && c <= 0x36F) || (c >= 0x203F && c <= 0x2040);
}

/* The characters a local name may hold behind a backslash (Turtle's PN_LOCAL_ESC). */
static int escapable(uint32_t c) { return c < 0x80 && c && strchr("_~.-!$&'()*+,;=/?#@%", (int)c); }

/* What an ASCII character may be in a local name: FIRST, at its start (PN_CHARS_U, ':' or a
 * digit); MIDDLE, after it (PN_CHARS or ':'; '.' too, but not last); ESCAPE, either behind a
 * backslash (PN_LOCAL_ESC). Made once, by init_ascii(). */
enum { FIRST = 1, MIDDLE = 2, ESCAPE = 4 };
static unsigned char ascii_class[128];

static void init_ascii(void) {
    for (uint32_t c = 0; c < 128; c++) {
        ascii_class[c] = (unsigned char)(((pn_chars_u(c) || c == ':' || (c >= '0' && c <= '9')) ? FIRST : 0) |
                                         ((pn_chars(c) || c == ':') ? MIDDLE : 0) |
                                         (escapable(c) ? ESCAPE : 0));
    }
}

/* The local name ``p`` escaped as Oxigraph escapes it, into names->scratch; its length, or
 * -1 when it cannot be a local name. */
static Py_ssize_t escape_local(Names *names, const unsigned char *p, size_t len) {
    if (names->scratch_cap < 2 * len) {
        char *grown = realloc(names->scratch, 2 * len);
        if (grown == NULL)
            return -1;
        names->scratch = grown;
        names->scratch_cap = 2 * len;
    }
    char *out = names->scratch;
    size_t n = 0, i = 0;
    while (i < len) {
        size_t at = i;
        int plain, escape;
        if (p[i] < 0x80) {
            unsigned char c = p[i++], cls = ascii_class[c];
            plain = (cls & (at == 0 ? FIRST : MIDDLE)) || (c == '.' && at > 0 && i < len);
            escape = cls & ESCAPE;
        } else {
            uint32_t c;
            if (!next_code_point(p, len, &i, &c))
                return -1;
            plain = at == 0 ? pn_chars_u(c) : pn_chars(c);
            escape = 0;
        }
        if (!plain) {
            if (!escape)
                return -1;
            out[n++] = '\\';
        }
        memcpy(out + n, p + at, i - at);
        n += i - at;
    }
    return (Py_ssize_t)n;
}

/* An IRI (without its angle brackets) as Turtle: a prefixed name where one can be made. */
static void put_iri(Sink *s, Names *names, const char *iri, size_t len) {
    unsigned char key = len > KEY_AT ? (unsigned char)iri[KEY_AT] : 0;
    const size_t *bucket = names->buckets[key];
    for (size_t b = 0; b < names->bucket_len[key]; b++) {
        Prefix *pf = &names->prefixes[bucket[b]];
        if (len < pf->ns_len || memcmp(iri, pf->ns, pf->ns_len) != 0)
            continue;
        Py_ssize_t n = 0;
        if (len > pf->ns_len) {
            n = escape_local(names, (const unsigned char *)iri + pf->ns_len, len - pf->ns_len);
            if (n < 0)
                continue;
        }
        put(s, pf->name, pf->name_len);
        put_byte(s, ':');
        if (n > 0)
            put(s, names->scratch, (size_t)n);
        return;
    }
    put_byte(s, '<');
    put(s, iri, len);
    put_byte(s, '>');
}

static int hex_value(unsigned char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void put_code_point(Sink *s, uint32_t c) {
    char b[12];
    size_t n;
    switch (c) {
    case 0x08: put(s, "\\b", 2); return;
    case 0x09: put(s, "\\t", 2); return;
    case 0x0A: put(s, "\\n", 2); return;
    case 0x0C: put(s, "\\f", 2); return;
    case 0x0D: put(s, "\\r", 2); return;
    case '"': put(s, "\\\"", 2); return;
    case '\\': put(s, "\\\\", 2); return;
    default: break;
    }
    if (c < 0x20 || c == 0x7F || c == 0xFFFE || c == 0xFFFF) {
        snprintf(b, sizeof b, "\\u%04X", (unsigned)c);
        put(s, b, 6);
        return;
    }
    if (c < 0x80) {
        b[0] = (char)c;
        n = 1;
    } else if (c < 0x800) {
        b[0] = (char)(0xC0 | (c >> 6));
        b[1] = (char)(0x80 | (c & 0x3F));
        n = 2;
    } else if (c < 0x10000) {
        b[0] = (char)(0xE0 | (c >> 12));
        b[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        b[2] = (char)(0x80 | (c & 0x3F));
        n = 3;
    } else {
        b[0] = (char)(0xF0 | (c >> 18));
        b[1] = (char)(0x80 | ((c >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((c >> 6) & 0x3F));
        b[3] = (char)(0x80 | (c & 0x3F));
        n = 4;
    }
    put(s, b, n);
}

/* The quoted string of an N-Triples literal (its text between the quotes, still escaped),
 * quoted again as oxrdf quotes its value; 0 on a bad escape. */
static int put_quoted(Sink *s, const char *text, size_t len) {
    const unsigned char *p = (const unsigned char *)text;
    size_t i = 0;
    put_byte(s, '"');
    while (i < len) {
        size_t run = i;
        /* The bytes oxrdf writes as they are: all but controls, DEL, backslashes and the
         * lead byte of U+FFFE and U+FFFF (0xEF, checked below). */
        while (run < len && p[run] >= 0x20 && p[run] != 0x7F && p[run] != '\\' && p[run] != 0xEF)
            run++;
        put(s, text + i, run - i);
        i = run;
        if (i == len)
            break;
        unsigned char c = p[i];
        if (c == 0xEF) {
            if (i + 2 < len && p[i + 1] == 0xBF && (p[i + 2] == 0xBE || p[i + 2] == 0xBF)) {
                put_code_point(s, p[i + 2] == 0xBE ? 0xFFFE : 0xFFFF);
                i += 3;
            } else {
                put_byte(s, (char)c);
                i++;
            }
            continue;
        }
        if (c != '\\') {
            put_code_point(s, c);
            i++;
            continue;
        }
        if (i + 1 >= len)
            return 0;
        unsigned char e = p[i + 1];
        uint32_t cp;
        switch (e) {
        case 't': cp = 0x09; break;
        case 'b': cp = 0x08; break;
        case 'n': cp = 0x0A; break;
        case 'r': cp = 0x0D; break;
        case 'f': cp = 0x0C; break;
        case '"': cp = '"'; break;
        case '\'': cp = '\''; break;
        case '\\': cp = '\\'; break;
        case 'u':
        case 'U': {
            size_t digits = e == 'u' ? 4 : 8;
            if (i + 2 + digits > len)
                return 0;
            cp = 0;
            for (size_t k = 0; k < digits; k++) {
                int h = hex_value(p[i + 2 + k]);
                if (h < 0)
                    return 0;
                cp = (cp << 4) | (uint32_t)h;
            }
            if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                return 0;
            put_code_point(s, cp);
            i += 2 + digits;
            continue;
        }
        default: return 0;
        }
        put_code_point(s, cp);
        i += 2;
    }
    put_byte(s, '"');
    return 1;
}

/* Turtle's INTEGER, DECIMAL and DOUBLE (a value of that datatype written bare). */
static size_t skip_digits(const char *p, size_t i, size_t len) {
    while (i < len && p[i] >= '0' && p[i] <= '9')
        i++;
    return i;
}

static int bare_number(const char *p, size_t len, char kind) {
    size_t i = (len > 0 && (p[0] == '+' || p[0] == '-')) ? 1 : 0;
    size_t whole = skip_digits(p, i, len);
    int before = whole > i;
    i = whole;
    if (kind == 'i')
        return before && i == len;
    int after = 0;
    if (i < len && p[i] == '.') {
        size_t frac = skip_digits(p, i + 1, len);
        after = frac > i + 1;
        i = frac;
    } else if (kind == 'd') {
        return 0;
    }
    if (kind == 'd')
        return after && i == len;
    if (i >= len || (p[i] != 'e' && p[i] != 'E'))
        return 0;
    i++;
    if (i < len && (p[i] == '+' || p[i] == '-'))
        i++;
    size_t exp = skip_digits(p, i, len);
    return (before || after) && exp > i && exp == len;
}

/* An N-Triples object (IRI, blank node or literal) as Turtle; 0 when it is not one. */
static int put_object(Sink *s, Names *names, const char *o, size_t len) {
    if (len >= 2 && o[0] == '<' && o[len - 1] == '>') {
        put_iri(s, names, o + 1, len - 2);
        return 1;
    }
    if (len >= 3 && o[0] == '_' && o[1] == ':') {
        put(s, o, len);
        return 1;
    }
    if (len < 2 || o[0] != '"')
        return 0;
    size_t close = 1;
    while (close < len && o[close] != '"')
        close += o[close] == '\\' ? 2 : 1;
    if (close >= len)
        return 0;
    const char *text = o + 1, *suffix = o + close + 1;
    size_t text_len = close - 1, suffix_len = len - close - 1;
    if (suffix_len == 0)
        return put_quoted(s, text, text_len);
    if (suffix[0] == '@') {
        if (suffix_len < 2 || !put_quoted(s, text, text_len))
            return 0;
        put_byte(s, '@');
        for (size_t k = 1; k < suffix_len; k++) {
            char c = suffix[k];
            put_byte(s, (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c);
        }
        return 1;
    }
    if (suffix_len < 5 || suffix[0] != '^' || suffix[1] != '^' || suffix[2] != '<' ||
        suffix[suffix_len - 1] != '>')
        return 0;
    const char *dt = suffix + 3;
    size_t dt_len = suffix_len - 4;
    size_t xsd_len = sizeof XSD - 1;
    if (dt_len > xsd_len && memcmp(dt, XSD, xsd_len) == 0) {
        const char *local = dt + xsd_len;
        size_t local_len = dt_len - xsd_len;
#define IS(name) (local_len == sizeof name - 1 && memcmp(local, name, local_len) == 0)
        int bare = 0;
        if (IS("string"))
            return put_quoted(s, text, text_len);
        if (IS("boolean"))
            bare = (text_len == 4 && memcmp(text, "true", 4) == 0) ||
                   (text_len == 5 && memcmp(text, "false", 5) == 0);
        else if (IS("integer"))
            bare = bare_number(text, text_len, 'i');
        else if (IS("decimal"))
            bare = bare_number(text, text_len, 'd');
        else if (IS("double"))
            bare = bare_number(text, text_len, 'e');
#undef IS
        if (bare) {
            put(s, text, text_len);
            return 1;
        }
    }
    if (!put_quoted(s, text, text_len))
        return 0;
    put(s, "^^", 2);
    put_iri(s, names, dt, dt_len);
    return 1;
}

static void put_subject(Sink *s, Names *names, const char *t, size_t len) {
    if (t[0] == '<')
        put_iri(s, names, t + 1, len - 2);
    else
        put(s, t, len);
}

static void put_predicate(Sink *s, Names *names, const char *t, size_t len) {
    if (len == sizeof RDF_TYPE + 1 && memcmp(t + 1, RDF_TYPE, sizeof RDF_TYPE - 1) == 0)
        put_byte(s, 'a');
    else
        put_iri(s, names, t + 1, len - 2);
}

/* ------------------------------------------------------------------ the cut */

typedef struct {
    char *data;
    size_t len, cap;
} Bytes;

static int keep(Bytes *b, const char *p, size_t n) {
    if (b->cap < n) {
        size_t cap = n < 256 ? 256 : 2 * n;
        char *grown = realloc(b->data, cap);
        if (grown == NULL)
            return 0;
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data, p, n);
    b->len = n;
    return 1;
}

static inline int same(const Bytes *b, const char *p, size_t n) {
    return b->len == n && memcmp(b->data, p, n) == 0;
}

typedef struct {
    Sink nt, ttl;
    int turtle;
    Names names;
    const unsigned char *drop; /* a bit per graph number */
    size_t drop_bits;
    Bytes last, subject, predicate;
    int any;
    long long lines, triples;
    int no_memory;
    long long bad_line; /* the number of the first line that is not a quad line, else 0 */
} Cut;

/* The byte of the next space from p[i] (the end of a subject or predicate term). */
static size_t term_end(const char *p, size_t i, size_t len) {
    if (i < len && p[i] == '<') {
        const char *gt = memchr(p + i, '>', len - i);
        return gt == NULL ? len : (size_t)(gt - p) + 1;
    }
    const char *sp = memchr(p + i, ' ', len - i);
    return sp == NULL ? len : (size_t)(sp - p);
}

/* One quad line (without its newline); 0 when it is not a quad line. */
static int cut_line(Cut *c, const char *line, size_t len) {
    c->lines++;
    const char *tab = memchr(line, '\t', len);
    if (tab == NULL)
        return 0;
    size_t t = (size_t)(tab - line);
    size_t graph = 0, digits = 0;
    for (size_t i = t + 1; i < len && line[i] >= '0' && line[i] <= '9'; i++, digits++)
        graph = graph * 10 + (size_t)(line[i] - '0');
    if (digits == 0 || t + 1 + digits != len)
        return 0;
    if (graph < c->drop_bits && (c->drop[graph >> 3] >> (graph & 7) & 1))
        return 1;
    if (c->any && same(&c->last, line, t))
        return 1;
    if (!keep(&c->last, line, t)) {
        c->no_memory = 1;
        return 1;
    }
    put(&c->nt, line, t);
    put_byte(&c->nt, '\n');
    c->triples++;
    if (!c->turtle) {
        c->any = 1;
        return 1;
    }
    /* "<s> <p> o ." */
    if (t < 2 || line[t - 1] != '.' || line[t - 2] != ' ')
        return 0;
    size_t s_end = term_end(line, 0, t);
    if (s_end == 0 || s_end >= t || line[s_end] != ' ' ||
        !((line[0] == '<' && line[s_end - 1] == '>') || (s_end > 2 && line[0] == '_' && line[1] == ':')))
        return 0;
    size_t p_start = s_end + 1, p_end = term_end(line, p_start, t);
    if (p_end + 1 >= t - 2 || line[p_start] != '<' || line[p_end - 1] != '>' ||
        line[p_end] != ' ')
        return 0; /* (and an object between the predicate and " .") */
    const char *o = line + p_end + 1;
    size_t o_len = t - 2 - (p_end + 1);
    Sink *s = &c->ttl;
    const char *subj = line, *pred = line + p_start;
    size_t s_len = s_end, p_len = p_end - p_start;
    if (c->any && same(&c->subject, subj, s_len)) {
        if (same(&c->predicate, pred, p_len)) {
            put(s, " , ", 3);
        } else {
            put(s, " ;\n\t", 4);
            put_predicate(s, &c->names, pred, p_len);
            put_byte(s, ' ');
            if (!keep(&c->predicate, pred, p_len))
                c->no_memory = 1;
        }
    } else {
        if (c->any)
            put(s, " .\n", 3);
        put_subject(s, &c->names, subj, s_len);
        put_byte(s, ' ');
        put_predicate(s, &c->names, pred, p_len);
        put_byte(s, ' ');
        if (!keep(&c->subject, subj, s_len) || !keep(&c->predicate, pred, p_len))
            c->no_memory = 1;
    }
    c->any = 1;
    return put_object(s, &c->names, o, o_len);
}

/* Read the lines of fd to its end; -1 on a read error (errno set). */
static int cut_all(Cut *c, int fd) {
    size_t cap = IN_SIZE, have = 0;
    char *buf = malloc(cap);
    if (buf == NULL) {
        c->no_memory = 1;
        return 0;
    }
    int eof = 0, rc = 0;
    while (!eof) {
        ssize_t n = read(fd, buf + have, cap - have);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = -1;
            break;
        }
        if (n == 0)
            eof = 1;
        have += (size_t)n;
        char *p = buf, *end = buf + have, *nl;
        while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
            if (!cut_line(c, p, (size_t)(nl - p)) && c->bad_line == 0)
                c->bad_line = c->lines;
            p = nl + 1;
        }
        if (eof && p < end && !cut_line(c, p, (size_t)(end - p)) && c->bad_line == 0)
            c->bad_line = c->lines;
        if (c->bad_line || c->no_memory || c->nt.err || c->ttl.err)
            break;
        have = (size_t)(end - p);
        memmove(buf, p, have);
        if (have == cap) { /* a line longer than the buffer */
            char *grown = realloc(buf, 2 * cap);
            if (grown == NULL) {
                c->no_memory = 1;
                break;
            }
            buf = grown;
            cap *= 2;
        }
    }
    free(buf);
    if (c->turtle && c->any && !c->bad_line)
        put(&c->ttl, " .\n", 3);
    return rc;
}

/* ------------------------------------------------------------------ Python */

PyDoc_STRVAR(cut_doc,
"cut(source, ntriples, turtle, drop, prefixes) -> int\n\n"
"Read sorted quad lines from the file descriptor ``source`` to its end; write each distinct\n"
"triple (the quads of graph numbers in ``drop`` left out) as N-Triples to the descriptor\n"
"``ntriples`` and, unless ``turtle`` is -1, as the body of a Turtle file (what Oxigraph\n"
"writes after its @prefix lines) to that descriptor, compacting names with ``prefixes``\n"
"(pairs of bytes: name, namespace). Return how many triples were written. Raises OSError\n"
"on a failed read or write, ValueError on a line that is not a quad line.");

static PyObject *cut(PyObject *module, PyObject *args) {
    (void)module;
    int source, nt_fd, ttl_fd;
    PyObject *drop_arg, *prefix_arg;
    if (!PyArg_ParseTuple(args, "iiiOO:cut", &source, &nt_fd, &ttl_fd, &drop_arg, &prefix_arg))
        return NULL;

    Cut c;
    memset(&c, 0, sizeof c);
    PyObject *result = NULL, *drop_seq = NULL, *prefix_seq = NULL;
    drop_seq = PySequence_Fast(drop_arg, "drop must be a sequence of graph numbers");
    prefix_seq = PySequence_Fast(prefix_arg, "prefixes must be a sequence of (name, namespace)");
    if (drop_seq == NULL || prefix_seq == NULL)
        goto done;

    size_t max_graph = 0;
    Py_ssize_t nd = PySequence_Fast_GET_SIZE(drop_seq);
    for (Py_ssize_t k = 0; k < nd; k++) {
        size_t g = PyLong_AsSize_t(PySequence_Fast_GET_ITEM(drop_seq, k));
        if (g == (size_t)-1 && PyErr_Occurred())
            goto done;
        if (g + 1 > max_graph)
            max_graph = g + 1;
    }
    unsigned char *drop = calloc(max_graph / 8 + 1, 1);
    if (drop == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t k = 0; k < nd; k++) {
        size_t g = PyLong_AsSize_t(PySequence_Fast_GET_ITEM(drop_seq, k));
        drop[g >> 3] |= (unsigned char)(1u << (g & 7));
    }
    c.drop = drop;
    c.drop_bits = max_graph;

    Py_ssize_t np = PySequence_Fast_GET_SIZE(prefix_seq);
    c.names.prefixes = calloc((size_t)np + 1, sizeof(Prefix));
    if (c.names.prefixes == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t k = 0; k < np; k++) {
        PyObject *pair = PySequence_Fast_GET_ITEM(prefix_seq, k);
        const char *name, *ns;
        Py_ssize_t name_len, ns_len;
        if (!PyArg_ParseTuple(pair, "y#y#:prefix", &name, &name_len, &ns, &ns_len))
            goto done;
        Prefix *pf = &c.names.prefixes[c.names.count++];
        pf->name = name;
        pf->name_len = (size_t)name_len;
        pf->ns = ns;
        pf->ns_len = (size_t)ns_len;
    }
    /* Longest namespace first (a stable sort: equal lengths keep their order). */
    for (size_t a = 1; a < c.names.count; a++) {
        Prefix x = c.names.prefixes[a];
        size_t b = a;
        while (b > 0 && c.names.prefixes[b - 1].ns_len < x.ns_len) {
            c.names.prefixes[b] = c.names.prefixes[b - 1];
            b--;
        }
        c.names.prefixes[b] = x;
    }
    for (size_t key = 0; key < 256; key++) {
        c.names.buckets[key] = malloc((c.names.count + 1) * sizeof(size_t));
        if (c.names.buckets[key] == NULL) {
            PyErr_NoMemory();
            goto done;
        }
        for (size_t k = 0; k < c.names.count; k++) {
            Prefix *pf = &c.names.prefixes[k];
            if (pf->ns_len <= KEY_AT || (unsigned char)pf->ns[KEY_AT] == key)
                c.names.buckets[key][c.names.bucket_len[key]++] = k;
        }
    }

    c.nt.fd = nt_fd;
    c.ttl.fd = ttl_fd;
    c.turtle = ttl_fd >= 0;
    c.nt.buf = malloc(OUT_SIZE);
    c.ttl.buf = c.turtle ? malloc(OUT_SIZE) : NULL;
    if (c.nt.buf == NULL || (c.turtle && c.ttl.buf == NULL)) {
        PyErr_NoMemory();
        goto done;
    }

    int rc, read_errno = 0;
    Py_BEGIN_ALLOW_THREADS
    rc = cut_all(&c, source);
    if (rc < 0)
        read_errno = errno;
    flush(&c.nt);
    if (c.turtle)
        flush(&c.ttl);
    Py_END_ALLOW_THREADS

    if (rc < 0) {
        errno = read_errno;
        PyErr_SetFromErrno(PyExc_OSError);
    } else if (c.no_memory) {
        PyErr_NoMemory();
    } else if (c.nt.err || c.ttl.err) {
        errno = c.nt.err ? c.nt.err : c.ttl.err;
        PyErr_SetFromErrno(PyExc_OSError);
    } else if (c.bad_line) {
        PyErr_Format(PyExc_ValueError, "line %lld is not a sorted quad line", c.bad_line);
    } else {
        result = PyLong_FromLongLong(c.triples);
    }

done:
    Py_XDECREF(drop_seq);
    Py_XDECREF(prefix_seq);
    free((void *)c.drop);
    free(c.names.prefixes);
    for (size_t key = 0; key < 256; key++)
        free(c.names.buckets[key]);
    free(c.names.scratch);
    free(c.nt.buf);
    free(c.ttl.buf);
    free(c.last.data);
    free(c.subject.data);
    free(c.predicate.data);
    return result;
}

/* ------------------------------------------------------------------ QuadWriter */

typedef struct {
    PyObject_HEAD
    Sink out;
    unsigned long long flushes; /* buffers written out so far */
    int broken;                 /* part of a line that failed went out: no more writes */
} QuadWriter;

/* Write the buffer out with the GIL released (the sort may be busy: the pipe then waits). */
static int qw_flush(QuadWriter *self) {
    if (self->out.buf == NULL || self->broken) {
        PyErr_SetString(PyExc_ValueError, self->out.buf == NULL ? "the QuadWriter is closed"
                                                    : "the QuadWriter wrote part of a bad line");
        return -1;
    }
    self->flushes++;
    Py_BEGIN_ALLOW_THREADS
    flush(&self->out);
    Py_END_ALLOW_THREADS
    if (self->out.err) {
        errno = self->out.err;
        self->out.err = 0;
        PyErr_SetFromErrno(PyExc_OSError);
        return -1;
    }
    return 0;
}

static inline int qw_put(QuadWriter *self, const char *p, size_t n) {
    if (OUT_SIZE - self->out.len < n) {
        if (qw_flush(self) < 0)
            return -1;
        if (n > OUT_SIZE) {
            int err = 0;
            Py_BEGIN_ALLOW_THREADS
            write_all(&self->out, p, n);
            err = self->out.err;
            Py_END_ALLOW_THREADS
            if (err) {
                errno = err;
                self->out.err = 0;
                PyErr_SetFromErrno(PyExc_OSError);
                return -1;
            }
            return 0;
        }
    }
    memcpy(self->out.buf + self->out.len, p, n);
    self->out.len += n;
    return 0;
}

static int qw_init(QuadWriter *self, PyObject *args, PyObject *kwds) {
    int fd;
    static char *kwlist[] = {"fd", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "i:QuadWriter", kwlist, &fd))
        return -1;
    PyMem_Free(self->out.buf);
    self->out.buf = PyMem_Malloc(OUT_SIZE);
    if (self->out.buf == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->out.fd = fd;
    self->out.len = 0;
    self->out.err = 0;
    self->flushes = 0;
    self->broken = 0;
    return 0;
}

static void qw_dealloc(QuadWriter *self) {
    PyMem_Free(self->out.buf);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

PyDoc_STRVAR(qw_add_doc,
"add(triples, end) -> int\n\n"
"Write ``s p o`` and then the bytes ``end`` (``b\" .\\t12\\n\"``) for each (s, p, o) tuple of\n"
"N-Triples terms (str) that ``triples`` gives, UTF-8; return how many.");

static PyObject *qw_add(QuadWriter *self, PyObject *args) {
    PyObject *triples;
    const char *end;
    Py_ssize_t end_len;
    if (!PyArg_ParseTuple(args, "Oy#:add", &triples, &end, &end_len))
        return NULL;
    if (self->out.buf == NULL || self->broken) {
        PyErr_SetString(PyExc_ValueError, self->out.buf == NULL ? "the QuadWriter is closed"
                                                    : "the QuadWriter wrote part of a bad line");
        return NULL;
    }
    PyObject *it = PyObject_GetIter(triples);
    if (it == NULL)
        return NULL;
    long long n = 0;
    PyObject *item;
    while ((item = PyIter_Next(it)) != NULL) {
        size_t line_start = self->out.len;
        unsigned long long flushes = self->flushes;
        int bad = !PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 3;
        for (Py_ssize_t k = 0; k < 3 && !bad; k++) {
            PyObject *term = PyTuple_GET_ITEM(item, k);
            Py_ssize_t size;
            const char *text = PyUnicode_Check(term) ? PyUnicode_AsUTF8AndSize(term, &size) : NULL;
            if (text == NULL) {
                if (!PyErr_Occurred())
                    PyErr_Format(PyExc_TypeError, "a triple's terms are str, not %.50s",
                                 Py_TYPE(term)->tp_name);
                bad = 2;
                break;
            }
            if (qw_put(self, text, (size_t)size) < 0 || (k < 2 && qw_put(self, " ", 1) < 0)) {
                bad = 2;
                break;
            }
        }
        if (bad == 1)
            PyErr_Format(PyExc_TypeError, "a triple is a tuple of three terms, not %.50s",
                         Py_TYPE(item)->tp_name);
        Py_DECREF(item);
        if (bad || qw_put(self, end, (size_t)end_len) < 0) {
            /* No part of a bad line may reach the sort: take it back out of the buffer, or,
             * when a write already sent its start, refuse every later write. */
            if (self->flushes == flushes)
                self->out.len = line_start;
            else
                self->broken = 1;
            Py_DECREF(it);
            return NULL;
        }
        n++;
    }
    Py_DECREF(it);
    if (PyErr_Occurred())
        return NULL;
    return PyLong_FromLongLong(n);
}

static PyObject *qw_write(QuadWriter *self, PyObject *arg) {
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    int rc = self->out.buf == NULL || self->broken ? -1 : qw_put(self, view.buf, (size_t)view.len);
    PyBuffer_Release(&view);
    if (rc < 0) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_ValueError, self->out.buf == NULL ? "the QuadWriter is closed"
                                                        : "the QuadWriter wrote part of a bad line");
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *qw_flush_method(QuadWriter *self, PyObject *unused) {
    (void)unused;
    if (qw_flush(self) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *qw_close(QuadWriter *self, PyObject *unused) {
    (void)unused;
    PyMem_Free(self->out.buf); /* (what was not flushed is dropped: the sort is stopped) */
    self->out.buf = NULL;
    Py_RETURN_NONE;
}

static PyMethodDef qw_methods[] = {
    {"add", (PyCFunction)qw_add, METH_VARARGS, qw_add_doc},
    {"write", (PyCFunction)qw_write, METH_O, "write(data): write bytes as they are."},
    {"flush", (PyCFunction)qw_flush_method, METH_NOARGS, "flush(): write out what is buffered."},
    {"close", (PyCFunction)qw_close, METH_NOARGS,
     "close(): drop the buffer unwritten (the descriptor is the caller's to close)."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject QuadWriterType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "graph._ntcut.QuadWriter",
    .tp_doc = "QuadWriter(fd): quad lines written to a file descriptor in 1 MB writes.",
    .tp_basicsize = sizeof(QuadWriter),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)qw_init,
    .tp_dealloc = (destructor)qw_dealloc,
    .tp_methods = qw_methods,
};

static PyMethodDef methods[] = {
    {"cut", cut, METH_VARARGS, cut_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "graph._ntcut",
    "citegraph's quads on their way through GNU sort, in C (see graph.ntcut).",
    -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__ntcut(void) {
    init_ascii();
    if (PyType_Ready(&QuadWriterType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&QuadWriterType);
    if (PyModule_AddObject(m, "QuadWriter", (PyObject *)&QuadWriterType) < 0) {
        Py_DECREF(&QuadWriterType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
