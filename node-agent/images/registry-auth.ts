// Registry authentication as the distribution spec describes it: answer a 401's WWW-Authenticate
// challenge with Basic credentials, or fetch a Bearer token from the realm it names (anonymously, or
// with Basic credentials), then retry. Tokens are cached per realm, service and scope.
import { ApiError } from '../../api/errors';

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses `Bearer realm="https://auth",service="registry",scope="repository:a:pull"`. */
export function parseChallenge(header: string): Challenge {
  const space = header.indexOf(' ');
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const params: Record<string, string> = {};
  const re = /([a-zA-Z_]+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;
  for (let m = re.exec(header.slice(space + 1)); m; m = re.exec(header.slice(space + 1))) {
    params[m[1].toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3];
  }
  return { scheme, params };
}

export interface Credentials {
  username?: string;
  password?: string;
}

function basic(creds: Credentials): string {
  return `Basic ${Buffer.from(`${creds.username ?? ''}:${creds.password ?? ''}`).toString('base64')}`;
}

export class RegistryAuth {
  private readonly tokens = new Map<string, string>();
  /** Authorization per endpoint origin, learned from the last challenge there. */
  private readonly byOrigin = new Map<string, { challenge: Challenge; creds: Credentials }>();

  private cacheKey(challenge: Challenge, scope: string): string {
    return `${challenge.params.realm}|${challenge.params.service ?? ''}|${scope}`;
  }

  /** The Authorization header for a request, when an earlier challenge told us what to send. */
  headerFor(origin: string, scope: string): string | undefined {
    const known = this.byOrigin.get(origin);
    if (!known) return undefined;
    if (known.challenge.scheme === 'basic') return basic(known.creds);
    const token = this.tokens.get(this.cacheKey(known.challenge, scope));
    return token ? `Bearer ${token}` : undefined;
  }

  /** Answers a challenge; returns the Authorization header to retry with, or undefined when we cannot. */
  async answer(origin: string, header: string, scope: string, creds: Credentials): Promise<string | undefined> {
    const challenge = parseChallenge(header);
    this.byOrigin.set(origin, { challenge, creds });
    if (challenge.scheme === 'basic') return creds.username ? basic(creds) : undefined;
    if (challenge.scheme !== 'bearer' || !challenge.params.realm) return undefined;
    const url = new URL(challenge.params.realm);
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
    url.searchParams.set('scope', scope);
    const res = await fetch(url, { headers: creds.username ? { authorization: basic(creds) } : {} });
    if (!res.ok) {
      throw new ApiError('Unauthorized', `token service ${url.origin} answered ${res.status} for ${scope}`);
    }
    const body = (await res.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new ApiError('Unauthorized', `token service ${url.origin} returned no token`);
    this.tokens.set(this.cacheKey(challenge, scope), token);
    return `Bearer ${token}`;
  }
}
