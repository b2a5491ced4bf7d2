# Throwaway TLS credentials for the end-to-end tests, made by the `openssl` command exactly as
# the README tells an operator to: a self-signed P-256 certificate for 127.0.0.1 and localhost.
import os
import ssl
import subprocess

OPENSSL_TIMEOUT_S = 30


class Credentials:
    def __init__(self, directory, name):
        self.certificate = os.path.join(directory, name + "-certificate.pem")
        self.key = os.path.join(directory, name + "-key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                        "-keyout", self.key, "-out", self.certificate],
                       check=True, capture_output=True, timeout=OPENSSL_TIMEOUT_S)
        with open(self.certificate) as pem:
            self.der = ssl.PEM_cert_to_DER_cert(pem.read())

    def client_context(self, *others):
        """An ssl context for a client that trusts this certificate (and `others`)."""
        context = ssl.create_default_context(cafile=self.certificate)
        for other in others:
            context.load_verify_locations(cafile=other.certificate)
        return context
