"""Stand-in for ansible-test's pip bootstrap script, which it downloads from a host outside
the package registries this machine reaches: install pip into the calling interpreter from
the standard library's ensurepip, then try to bring it to the version ansible-test wants."""
import ensurepip
import os
import subprocess
import sys

ensurepip.bootstrap(upgrade=True)
wanted = [a for a in sys.argv[1:] if a.startswith('pip==')]
if wanted:
    cmd = [sys.executable, '-m', 'pip', 'install', '-q', '--disable-pip-version-check'] + wanted
    if os.path.exists('/etc/ssl/certs/ca-certificates.crt'):
        cmd += ['--cert', '/etc/ssl/certs/ca-certificates.crt']
    if subprocess.call(cmd) != 0:
        sys.stderr.write('could not upgrade pip to %s; keeping the bundled one\n' % wanted[0])
