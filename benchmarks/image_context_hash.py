"""How long the build hash takes (scan with .dockerignore + content hash) and how long the tar
stream takes to write, for a generated context: python benchmarks/image_context_hash.py [FILES] [MB]."""

import os
import shutil
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'collections'))

from ansible_collections.berth.docker.plugins.module_utils import build_context as bc  # noqa: E402


def main():
    files = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    megabytes = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    root = tempfile.mkdtemp(prefix='berth-bench-ctx-')
    try:
        size = megabytes * 1024 * 1024 // files
        for i in range(files):
            sub = os.path.join(root, 'd%02d' % (i % 50))
            os.makedirs(sub, exist_ok=True)
            with open(os.path.join(sub, 'f%05d.%s' % (i, 'log' if i % 10 == 0 else 'dat')), 'wb') as handle:
                handle.write(os.urandom(size))
        with open(os.path.join(root, 'Dockerfile'), 'w') as handle:
            handle.write('FROM scratch\nCOPY . /\n')
        with open(os.path.join(root, '.dockerignore'), 'w') as handle:
            handle.write('**/*.log\n')
        opts = {'args': {}, 'labels': {}, 'target': None, 'platform': None, 'dockerfile': 'Dockerfile'}
        start = time.perf_counter()
        ctx = bc.scan(root)
        scanned = time.perf_counter()
        digest = bc.content_hash(ctx, opts)
        hashed = time.perf_counter()
        with bc.write_tar(ctx) as handle:
            handle.seek(0, os.SEEK_END)
            tar_size = handle.tell()
        tarred = time.perf_counter()
        print('context: %d files (%d sent after .dockerignore), %d MB' % (files, len([e for e in ctx.entries if e[1] == 'file']), megabytes))
        print('scan %.3f s, hash %.3f s, tar %.3f s (%.1f MB tar), hash %s' % (
            scanned - start, hashed - scanned, tarred - hashed, tar_size / 1048576.0, digest[:19]))
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == '__main__':
    main()
