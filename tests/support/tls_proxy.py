"""A TLS front for the real engine: terminates mutual TLS on 127.0.0.1 and forwards the bytes
to /var/run/docker.sock, so the client's tcp+TLS path is tested against the real engine
(the way dockerd --tlsverify would serve it) without reconfiguring the shared engine."""

import os
import socket
import ssl
import subprocess
import threading


def make_pki(directory, server_names=('127.0.0.1',)):
    """A CA, a server certificate for ``server_names`` and a client certificate (openssl CLI)."""
    def run(*args):
        subprocess.run(['openssl'] + list(args), cwd=directory, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=berth test CA',
        '-keyout', 'ca-key.pem', '-out', 'ca.pem')
    san = ','.join(('IP:%s' if n.replace('.', '').isdigit() else 'DNS:%s') % n for n in server_names)
    with open(os.path.join(directory, 'server.ext'), 'w') as handle:
        handle.write('subjectAltName=%s\nextendedKeyUsage=serverAuth\n' % san)
    with open(os.path.join(directory, 'client.ext'), 'w') as handle:
        handle.write('extendedKeyUsage=clientAuth\n')
    for name, cn in (('server', server_names[0]), ('client', 'client')):
        run('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=%s' % cn, '-keyout', '%s-key.pem' % name,
            '-out', '%s.csr' % name)
        run('x509', '-req', '-in', '%s.csr' % name, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial',
            '-days', '2', '-extfile', '%s.ext' % name, '-out', '%s.pem' % name)
    # the names DOCKER_CERT_PATH expects on the client side
    os.rename(os.path.join(directory, 'client.pem'), os.path.join(directory, 'cert.pem'))
    os.rename(os.path.join(directory, 'client-key.pem'), os.path.join(directory, 'key.pem'))
    return directory


class TLSProxy:
    def __init__(self, pki, port, upstream='/var/run/docker.sock'):
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(os.path.join(pki, 'server.pem'), os.path.join(pki, 'server-key.pem'))
        self.context.load_verify_locations(os.path.join(pki, 'ca.pem'))
        self.context.verify_mode = ssl.CERT_REQUIRED
        self.upstream = upstream
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(('127.0.0.1', port))
        self.listener.listen(16)
        self.port = port
        self.stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopped:
            try:
                conn, _peer = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        try:
            tls = self.context.wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError):
            conn.close()
            return
        up = socket.socket(socket.AF_UNIX)
        up.connect(self.upstream)

        def pump(src, dst):
            try:
                while True:
                    data = src.recv(65536)
                    if not data:
                        break
                    dst.sendall(data)
            except OSError:
                pass
            finally:
                for sock in (src, dst):
                    try:
                        sock.close()
                    except OSError:
                        pass
        threading.Thread(target=pump, args=(up, tls), daemon=True).start()
        pump(tls, up)

    def close(self):
        self.stopped = True
        self.listener.close()
