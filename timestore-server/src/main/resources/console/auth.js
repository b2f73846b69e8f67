// Sign-in: OpenID Connect authorization code flow with PKCE (a public client), the development
// sign-in of embedded mode, or a pasted API token. Tokens stay in memory (api.js).
import { json, setSession, ApiError } from './api.js';

const PENDING = 'timestore-console-oidc'; // sessionStorage: the PKCE verifier and state only, never a token

export function config() {
  const meta = document.querySelector('meta[name="timestore-console"]');
  try {
    return JSON.parse(meta.getAttribute('content'));
  } catch {
    return { dev_sign_in: false };
  }
}

async function whoami(token, how, expiresAt) {
  setSession({ token, how, expiresAt });
  try {
    const who = await json('/admin/v1/whoami');
    setSession({ token, how, expiresAt, who });
    return who;
  } catch (e) {
    setSession(null);
    throw e;
  }
}

export async function devSignIn({ subject, tenant, roles, platformOperator }) {
  const answer = await json('/console/v1/dev-sign-in', {
    method: 'POST', body: { subject, tenant: tenant || null, roles, platform_operator: platformOperator } });
  return whoami(answer.token, 'development sign-in', answer.expires_at);
}

export async function pasteToken(token) {
  const trimmed = token.trim();
  if (!trimmed) throw new ApiError({ title: 'No token', detail: 'Paste an API token or a JWT.' });
  return whoami(trimmed.replace(/^(Bearer|Token)\s+/i, ''), 'pasted token', null);
}

function base64url(bytes) {
  let s = '';
  bytes.forEach((b) => { s += String.fromCharCode(b); });
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function random(n) {
  return base64url(crypto.getRandomValues(new Uint8Array(n)));
}

async function discover(issuer) {
  const url = issuer.replace(/\/$/, '') + '/.well-known/openid-configuration';
  const response = await fetch(url, { credentials: 'omit' });
  if (!response.ok) throw new ApiError({ title: 'Identity provider discovery failed', detail: url + ' answered ' + response.status });
  return response.json();
}

function redirectUri() {
  return location.origin + location.pathname;
}

/** Starts the authorization code flow: off to the identity provider. */
export async function oidcSignIn(oidc) {
  const meta = await discover(oidc.issuer);
  const verifier = random(48);
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  const state = random(24);
  const nonce = random(24);
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, nonce, back: location.hash }));
  const params = new URLSearchParams({ response_type: 'code', client_id: oidc.client_id, redirect_uri: redirectUri(),
    scope: 'openid profile', state, nonce, code_challenge: challenge, code_challenge_method: 'S256' });
  location.assign(meta.authorization_endpoint + '?' + params.toString());
}

/** Back from the identity provider: exchanges the code for tokens, if this is such a return. */
export async function completeOidc(oidc) {
  const params = new URLSearchParams(location.search);
  if (!oidc || (!params.has('code') && !params.has('error'))) return null;
  const pending = JSON.parse(sessionStorage.getItem(PENDING) || 'null');
  sessionStorage.removeItem(PENDING);
  history.replaceState(null, '', redirectUri() + (pending && pending.back ? pending.back : ''));
  if (params.has('error')) {
    throw new ApiError({ title: 'Sign-in refused by the identity provider', detail: params.get('error') + ' ' + (params.get('error_description') || '') });
  }
  if (!pending || pending.state !== params.get('state')) {
    throw new ApiError({ title: 'Sign-in failed', detail: 'the answer from the identity provider does not match this sign-in (state); sign in again' });
  }
  const meta = await discover(oidc.issuer);
  const response = await fetch(meta.token_endpoint, {
    method: 'POST', credentials: 'omit',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: params.get('code'), redirect_uri: redirectUri(),
      client_id: oidc.client_id, code_verifier: pending.verifier }),
  });
  if (!response.ok) throw new ApiError({ title: 'Sign-in failed', detail: 'the token endpoint answered ' + response.status });
  const tokens = await response.json();
  const token = tokens.access_token;
  const expiresAt = tokens.expires_in ? new Date(Date.now() + tokens.expires_in * 1000).toISOString() : null;
  return whoami(token, 'identity provider', expiresAt);
}

export function signOut() {
  setSession(null);
}
