// Server TLS that asks for a client certificate but does not insist on one:
// a joining agent has none yet and authenticates with its join token. Node's
// TLS still verifies a presented certificate against the client CA, and
// grpc-js only reports a peer certificate (getAuthContext) when it verified.
import { ServerCredentials } from '@grpc/grpc-js';

export interface ServerTlsMaterial {
  certPem: string;
  keyPem: string;
  /** CA whose client certificates identify nodes. */
  clientCaPem: string;
}

class OptionalClientCertificateCredentials extends ServerCredentials {
  constructor(tls: ServerTlsMaterial) {
    super(
      { requestCert: true, rejectUnauthorized: false },
      { cert: Buffer.from(tls.certPem), key: Buffer.from(tls.keyPem), ca: Buffer.from(tls.clientCaPem) },
    );
  }

  override _equals(other: ServerCredentials): boolean {
    return other === this;
  }
}

export function optionalClientCertificateCredentials(tls: ServerTlsMaterial): ServerCredentials {
  return new OptionalClientCertificateCredentials(tls);
}
