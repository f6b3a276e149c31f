"""Real Django as the oracle of djorm's differential suite.

    python oracle.py seed URL          writes the data set into the tables djorm created
    python oracle.py eval URL FILE     evaluates each expression of FILE, one JSON line each
    python oracle.py dumpdata URL      prints the diff app's rows as Django's JSON fixture
    python oracle.py loaddata URL FILE loads a JSON fixture with Django's loaddata

URL is the test database djorm made (postgres://user@host:port/name or sqlite://path).
Results are written in the shape djorm's `shell --format json` prints: an instance as an object of
its concrete fields by name (a key by its raw value), a QuerySet as a list, values() rows as
objects, values_list() rows as lists, flat lists as values; decimals, dates and times as text.
"""

import datetime
from datetime import timedelta  # noqa: F401 (the expressions' namespace)
import decimal
import json
import sys
import uuid
from urllib.parse import unquote, urlparse
from zoneinfo import ZoneInfo  # noqa: F401 (the expressions' namespace)

import django
from django.conf import settings


def database(url):
    parts = urlparse(url)
    if parts.scheme in ("postgres", "postgresql"):
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": parts.path.lstrip("/"),
            "USER": parts.username or "",
            "PASSWORD": parts.password or "",
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or 5432),
        }
    if parts.scheme == "sqlite":
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": url[len("sqlite://"):]}
    if parts.scheme in ("mysql", "mariadb"):
        # PyMySQL, Django's documented alternative to mysqlclient: pure Python, so the oracle
        # needs no C compiler or client headers.
        import pymysql

        pymysql.install_as_MySQLdb()
        return {
            "ENGINE": "django.db.backends.mysql",
            "NAME": parts.path.lstrip("/"),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or 3306),
            "OPTIONS": {"charset": "utf8mb4"},
        }
    raise SystemExit(f"oracle: unsupported database URL scheme {parts.scheme!r}")


settings.configure(
    DATABASES={"default": database(sys.argv[2])},
    INSTALLED_APPS=["diff"],
    USE_TZ=True,
    TIME_ZONE="UTC",
    DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
)
sys.path.insert(0, __file__.rsplit("/", 1)[0])
django.setup()

from django.db import connection, models  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.db.models import *  # noqa: E402,F401,F403
from django.db.models.functions import *  # noqa: E402,F401,F403

from diff.models import Author, Book, Country, Tag  # noqa: E402


def seed():
    utc = datetime.timezone.utc
    if connection.vendor == "postgresql":
        # SHA1() is pgcrypto's DIGEST on PostgreSQL, for Django and for djorm.
        with connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pgcrypto")
    # Named so that ordering by name differs from ordering by key.
    fr = Country.objects.create(name="République française", code="FR", year=1958)
    jp = Country.objects.create(name="Japan", code="JP", year=1947)
    Country.objects.create(name="Nowhere", code="NW")
    people = [
        ("Ann", "ann@example.com", datetime.date(1980, 1, 1), decimal.Decimal("4.50"), True, fr, None),
        ("Bob", None, datetime.date(1975, 12, 31), decimal.Decimal("3.25"), True, jp, 1),
        ("Zoë Çava", "zoe@example.com", None, None, False, fr, 1),
        ("100% _real_", "pct@example.com", datetime.date(2000, 2, 29), decimal.Decimal("0.00"), True, None, 2),
        ("O'Brien", "", datetime.date(1990, 6, 15), decimal.Decimal("5.00"), False, jp, None),
        ("ann", "ANN@example.com", datetime.date(1980, 1, 1), decimal.Decimal("4.49"), True, None, None),
    ]
    authors = []
    for name, email, born, rating, active, country, mentor in people:
        authors.append(Author.objects.create(
            name=name, email=email, born=born, rating=rating, active=active, country=country,
            mentor=authors[mentor - 1] if mentor else None,
        ))
    tags = {n: Tag.objects.create(name=n) for n in ["rust", "django", "sql", "unused"]}
    td = datetime.timedelta
    books = [
        ("Ownership", 0, 320, "39.99", datetime.datetime(2024, 1, 15, 10, 30, tzinfo=utc), ["rust"], td(hours=5, minutes=30)),
        ("Lifetimes", 0, 150, "19.50", datetime.datetime(2024, 12, 31, 23, 59, 59, tzinfo=utc), ["rust", "sql"], td(days=2)),
        ("Django Unchained", 1, 410, "45.00", datetime.datetime(2023, 1, 1, 0, 0, tzinfo=utc), ["django"], None),
        ("Querysets", 1, 95, "9.99", None, ["django", "sql"], td(seconds=-90)),
        ("Café crème", 2, 200, "25.00", datetime.datetime(2022, 6, 30, 12, 0, tzinfo=utc), [], td(microseconds=1)),
        ("50% off_sale", 3, 50, "5.00", datetime.datetime(2020, 2, 29, 8, 15, tzinfo=utc), ["sql"], td(0)),
        ("It's \"quoted\"", 3, 120, "12.00", datetime.datetime(2021, 3, 14, 15, 9, 26, tzinfo=utc), [], td(days=400, seconds=1, microseconds=500000)),
        ("ownership", 5, 300, "39.99", datetime.datetime(2024, 1, 15, 10, 30, tzinfo=utc), ["rust"], td(hours=5, minutes=30)),
    ]
    for title, author, pages, price, published, tag_names, length in books:
        book = Book.objects.create(
            title=title, author=authors[author], pages=pages, price=decimal.Decimal(price), published=published,
            length=length,
        )
        book.tags.set([tags[n] for n in tag_names])


def prefetch_tree(lookups):
    """prefetch_related() lookups as djorm nests them: (relation, name it is shown under) -> deeper lookups."""
    tree = {}
    for lookup in lookups:
        path, attr = (lookup.prefetch_through, lookup.to_attr) if isinstance(lookup, Prefetch) else (lookup, None)
        head, _, rest = path.partition("__")
        key = (head, attr if attr and not rest else head)
        tree.setdefault(key, [])
        if rest:
            tree[key].append(Prefetch(rest, to_attr=attr) if attr else rest)
    return tree


def plain(value, annotations=(), lookups=()):
    """A value in the JSON djorm's shell prints (an instance with its annotations after its fields, then
    each prefetched relation by name)."""
    if isinstance(value, models.Model):
        row = {f.name: plain(getattr(value, f.attname)) for f in value._meta.concrete_fields}
        row.update({name: plain(getattr(value, name)) for name in annotations})
        for (_, name), deeper in prefetch_tree(lookups).items():
            related = getattr(value, name)
            if hasattr(related, "all"):
                related = list(related.all())
            if isinstance(related, list):
                row[name] = [plain(r, lookups=deeper) for r in related]
            else:
                row[name] = None if related is None else plain(related, lookups=deeper)
        return row
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, models.QuerySet):
        objects = value._iterable_class is models.query.ModelIterable
        names = list(value.query.annotation_select) if objects else []
        lookups = value._prefetch_related_lookups if objects else ()
        return [plain(v, names, lookups) for v in value]
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return str(value)
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    return value


def evaluate(path):
    namespace = {name: value for name, value in globals().items() if not name.startswith("_")}
    zone = "UTC"
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            line = line.rstrip("\n")
            if line.startswith("# time zone: "):
                # The lines below run in this current time zone (Django's timezone.activate).
                zone = line[len("# time zone: "):].strip()
                timezone.activate(ZoneInfo(zone))
                continue
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            expression = line.split("  #", 1)[0].strip()
            try:
                result = {"ok": plain(eval(expression, namespace))}
            except Exception as e:  # the class is what the suite compares
                result = {"error": {"class": type(e).__name__, "message": str(e)}}
            print(json.dumps({"expression": expression, "zone": zone, **result}, ensure_ascii=False))


if __name__ == "__main__":
    if sys.argv[1] == "seed":
        seed()
    elif sys.argv[1] == "eval":
        evaluate(sys.argv[3])
    elif sys.argv[1] == "dumpdata":
        from django.core.management import call_command
        call_command("dumpdata", "diff", format="json")
    elif sys.argv[1] == "loaddata":
        from django.core.management import call_command
        call_command("loaddata", sys.argv[3], verbosity=0)
    else:
        raise SystemExit(f"oracle: unknown command {sys.argv[1]!r}")
