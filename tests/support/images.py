"""Test images built on this machine (no registry is reachable): built once, then cached in
the engine and reused by later runs (checked with `docker image inspect` first)."""

import os
import shutil
import subprocess
import tempfile
import threading

from tests.support.docker_cli import docker, exists

BUSYBOX = 'berth-test/busybox:1'
WEB = 'berth-test/web:2'
DEBIAN = 'berth-test/debian:bookworm'
DEBIAN_MIRROR = os.environ.get('BERTH_DEBIAN_MIRROR', 'http://deb.debian.org/debian')

_lock = threading.Lock()

# busybox httpd answering with the container's host name (or $WEB_NAME) on every path but /cgi-bin/db;
# SIGKILL as stop signal because busybox as PID 1 ignores SIGTERM (test image only).
WEB_SCRIPT = """#!/bin/sh
name="${WEB_NAME:-$(hostname)}"
echo "$name" > /www/index.html
echo "static $name" > /www/static/app.css
echo "$name" > /www/health
exec httpd -f -v -p "${WEB_PORT:-80}" -h /www
"""
# GET /cgi-bin/db (busybox httpd CGI, which keeps the container's environment): the replica itself opens a
# TCP connection to the database, $DB_ADDRESS:$DB_PORT (default db:3306), and says whether it got one
DB_CGI = """#!/bin/sh
printf 'Content-Type: text/plain\\r\\n\\r\\n'
name="${WEB_NAME:-$(hostname)}"
if nc -w 2 "${DB_ADDRESS:-db}" "${DB_PORT:-3306}" </dev/null >/dev/null 2>&1; then
    echo "$name db reachable"
else
    echo "$name db unreachable (${DB_ADDRESS:-db}:${DB_PORT:-3306})"
fi
"""
WEB_DOCKERFILE = """FROM %(busybox)s
COPY web.sh /web.sh
COPY db.cgi /www/cgi-bin/db
RUN mkdir -p /www/static && chmod +x /web.sh /www/cgi-bin/db
EXPOSE 80
STOPSIGNAL SIGKILL
LABEL org.berth.test=web
CMD ["/web.sh"]
"""


def _build(tag, dockerfile, files=None):
    ctx = tempfile.mkdtemp(prefix='berth-img-')
    try:
        with open(os.path.join(ctx, 'Dockerfile'), 'w') as handle:
            handle.write(dockerfile)
        for name, src in (files or {}).items():
            if isinstance(src, bytes):
                with open(os.path.join(ctx, name), 'wb') as handle:
                    handle.write(src)
            else:
                shutil.copy2(src, os.path.join(ctx, name))
        docker('build', '-q', '-t', tag, ctx)
    finally:
        shutil.rmtree(ctx, ignore_errors=True)


def ensure_busybox():
    """A 2 MB image FROM scratch with a static busybox and its applets in /bin."""
    with _lock:
        if not exists('image', BUSYBOX):
            _build(BUSYBOX, 'FROM scratch\nCOPY busybox /bin/busybox\n'
                   'RUN ["/bin/busybox", "--install", "-s", "/bin"]\n'
                   'LABEL org.berth.test=busybox\nCMD ["/bin/sh"]\n',
                   {'busybox': '/bin/busybox'})
    return BUSYBOX


def ensure_web():
    """A busybox web server that answers its own name: WEB_NAME env or the host name."""
    ensure_busybox()
    with _lock:
        if not exists('image', WEB):
            _build(WEB, WEB_DOCKERFILE % {'busybox': BUSYBOX}, {'web.sh': WEB_SCRIPT.encode(), 'db.cgi': DB_CGI.encode()})
    return WEB


def ensure_debian(suite='bookworm'):
    """A Debian base image (bookworm unless ``suite`` says otherwise) made by debootstrap from the
    package mirror (~30 s once)."""
    tag = DEBIAN if suite == 'bookworm' else 'berth-test/debian:%s' % suite
    with _lock:
        if not exists('image', tag):
            root = tempfile.mkdtemp(prefix='berth-debootstrap-')
            try:
                subprocess.run(['debootstrap', '--variant=minbase', suite, root, DEBIAN_MIRROR],
                               check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                # mkdtemp made the root 0700: a non-root user in the image could not even run /bin/sh
                os.chmod(root, 0o755)
                tar = subprocess.Popen(['tar', '-C', root, '-c', '.'], stdout=subprocess.PIPE)
                subprocess.run(['docker', 'import', '-', tag], stdin=tar.stdout, check=True,
                               stdout=subprocess.DEVNULL)
                tar.wait()
            finally:
                shutil.rmtree(root, ignore_errors=True)
    return tag
