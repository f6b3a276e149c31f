"""Real Django, driven by the djorm-auth interop tests: reads one JSON request on stdin and
prints one JSON answer. The request names the database (SQLite file or PostgreSQL URL), the
PASSWORD_HASHERS, and a list of operations."""

import json
import sys
from urllib.parse import unquote, urlparse

import django
from django.conf import settings

HASHERS = {
    "pbkdf2_sha256": "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "pbkdf2_sha1": "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "argon2": "django.contrib.auth.hashers.Argon2PasswordHasher",
    "bcrypt_sha256": "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "bcrypt": "django.contrib.auth.hashers.BCryptPasswordHasher",
    "scrypt": "django.contrib.auth.hashers.ScryptPasswordHasher",
    "md5": "django.contrib.auth.hashers.MD5PasswordHasher",
}


def database(url):
    if not url:
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
    if url.startswith("sqlite://"):
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": url[len("sqlite://"):]}
    parts = urlparse(url)
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
    u = parts
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": u.path.lstrip("/"),
        "USER": unquote(u.username or ""),
        "PASSWORD": unquote(u.password or ""),
        "HOST": u.hostname or "",
        "PORT": str(u.port or ""),
    }


request = json.load(sys.stdin)
settings.configure(
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth"],
    DATABASES={"default": database(request.get("database"))},
    PASSWORD_HASHERS=[HASHERS[h] for h in request.get("hashers", list(HASHERS))],
    USE_TZ=True,
    SECRET_KEY="oracle",
    DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    # The validators a new project's settings list (Django's global default is none).
    AUTH_PASSWORD_VALIDATORS=[
        {"NAME": "django.contrib.auth.password_validation." + name}
        for name in (
            "UserAttributeSimilarityValidator",
            "MinimumLengthValidator",
            "CommonPasswordValidator",
            "NumericPasswordValidator",
        )
    ],
)
django.setup()

from django.contrib.auth import authenticate  # noqa: E402
from django.contrib.auth.hashers import check_password, make_password  # noqa: E402
from django.contrib.auth.models import Group, Permission, User  # noqa: E402
from django.contrib.auth.password_validation import validate_password  # noqa: E402
from django.core.exceptions import ValidationError  # noqa: E402
from django.core.management import call_command  # noqa: E402

answers = []
for op in request["operations"]:
    kind = op["op"]
    if kind == "make_password":
        answers.append(make_password(op["password"], op.get("salt"), op["hasher"]))
    elif kind == "check_password":
        answers.append(check_password(op["password"], op["encoded"]))
    elif kind == "validate_password":
        user = User(**op["user"]) if op.get("user") is not None else None
        try:
            validate_password(op["password"], user)
            answers.append([])
        except ValidationError as e:
            answers.append(list(e.messages))
    elif kind == "migrate":
        # {"app": "auth", "target": "0001_initial"} migrates one app to one migration.
        targets = [op["app"], op["target"]] if op.get("app") else []
        call_command("migrate", *targets, verbosity=0)
        answers.append(None)
    elif kind == "forget_history":
        # A database whose tables exist without their history (a restored dump).
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM django_migrations")
        answers.append(None)
    elif kind == "create_user":
        user = User.objects.create_user(op["username"], op.get("email", ""), None)
        user.password = make_password(op["password"], None, op["hasher"])
        user.save()
        answers.append(user.pk)
    elif kind == "authenticate":
        user = authenticate(username=op["username"], password=op["password"])
        answers.append(user is not None)
    elif kind == "user":
        u = User.objects.get(username=op["username"])
        answers.append({
            "password": u.password,
            "email": u.email,
            "first_name": u.first_name,
            "is_staff": u.is_staff,
            "groups": sorted(g.name for g in u.groups.all()),
            "perms": sorted(u.get_all_permissions()),
        })
    elif kind == "permissions":
        answers.append(sorted(
            f"{p.content_type.app_label}.{p.codename}|{p.name}" for p in Permission.objects.all()
        ))
    else:
        raise SystemExit(f"unknown operation {kind}")
print(json.dumps(answers))
