// Interop of onecard tokens with an independent JOSE implementation, the
// npm package "jose" (pinned in package.json and package-lock.json).
//
// CI runs `npm ci --prefix tests/interop` before ctest, so that
// tests/interop/node_modules/jose exists; without it this script says so
// and exits 1.
//
// Usage: node interop.mjs PATH/TO/onecard-token [PATH/TO/mint_tokens]
//
// Checked, for EdDSA and for ES256:
//   (a) our keys and tokens -> jose: onecard-token keygen/jwks/sign, then
//       jose createLocalJWKSet + jwtVerify; jose imports our private JWK
//       and what it signs with it is accepted by onecard-token verify.
//   (b) jose's keys and tokens -> us: jose generateKeyPair/exportJWK/SignJWT,
//       then onecard-token verify (and jwks/sign with jose's private JWK).
//   (c) NEGATIVE-TESTS.md row J18: 10,000 ES256 (1,000 EdDSA) tokens minted
//       by mint_tokens all verify with jose; every signature is exactly 64
//       bytes, with 0 < r, s < n for ES256 and S < L for Ed25519.
// Prints "ok - ..." / "not ok - ..." per check and "N passed, M failed".

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let jose;
try {
  jose = await import('jose');
} catch (err) {
  console.error(
    `interop: cannot import the npm package "jose" (${err.code ?? err.message}); ` +
      'install it with: npm ci --prefix tests/interop',
  );
  process.exit(1);
}

const [tool, mint] = process.argv.slice(2);
if (!tool) {
  console.error('usage: node interop.mjs PATH/TO/onecard-token [PATH/TO/mint_tokens]');
  process.exit(2);
}

const ISS = 'https://authd.example';
const AUD = 'module-a';
const TYP = 'at+jwt';
// Order of the P-256 group (FIPS 186-4 D.1.2.3) and of the Ed25519
// base point (RFC 8032 §5.1).
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const ED25519_L = 2n ** 252n + 27742317777372353535851937790883648493n;
const BULK = { ES256: 10000, EdDSA: 1000 };

const dir = mkdtempSync(join(tmpdir(), 'onecard-interop-'));
let passed = 0;
let failed = 0;

function pass(desc) {
  console.log(`ok - ${desc}`);
  passed++;
}

function fail(desc, detail) {
  console.log(`not ok - ${desc}`);
  if (detail) {
    console.log(`#   ${String(detail).split('\n').join('\n#   ')}`);
  }
  failed++;
}

// Runs one check: fn returns nothing (pass) or throws (fail).
async function check(desc, fn) {
  try {
    await fn();
    pass(desc);
  } catch (err) {
    fail(desc, err?.message ?? err);
  }
}

function assert(cond, message) {
  if (!cond) {
    throw new Error(message);
  }
}

function file(name, text) {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

// Runs a program; a token goes in on stdin, never in argv.
function run(prog, args, input = '', maxBuffer = 1 << 20) {
  const r = spawnSync(prog, args, { input, encoding: 'utf8', maxBuffer });
  if (r.error) {
    throw r.error;
  }
  return r;
}

// Runs onecard-token and insists on exit 0 and a silent stderr.
function tokenTool(args, input = '') {
  const r = run(tool, args, input);
  assert(
    r.status === 0 && r.stderr === '',
    `onecard-token ${args[0]} exited ${r.status}: ${r.stderr.trim()}`,
  );
  return r.stdout;
}

function verifyWithUs(jwksPath, token, aud = AUD) {
  return run(tool, ['verify', '--jwks', jwksPath, '--iss', ISS, '--aud', aud], `${token}\n`);
}

function bigintOf(bytes) {
  return bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
}

// Checks the raw signature of a compact token; returns an error text or null.
function signatureProblem(alg, token) {
  const sig = jose.base64url.decode(token.split('.')[2]);
  if (sig.length !== 64) {
    return `signature is ${sig.length} bytes, not 64`;
  }
  if (alg === 'ES256') {
    const r = bigintOf(sig.subarray(0, 32));
    const s = bigintOf(sig.subarray(32));
    if (r === 0n || r >= P256_N || s === 0n || s >= P256_N) {
      return 'r or s is not in [1, n-1]';
    }
  } else {
    // S is the little-endian second half (RFC 8032 §5.1.6); S < L.
    const s = bigintOf(Uint8Array.from(sig.subarray(32)).reverse());
    if (s >= ED25519_L) {
      return 'S is not below L';
    }
  }
  return null;
}

// A token with one payload character changed.
function tamper(token) {
  const [h, p, s] = token.split('.');
  const c = p[10] === 'A' ? 'B' : 'A';
  return `${h}.${p.slice(0, 10)}${c}${p.slice(11)}.${s}`;
}

async function ourKeysToJose(alg) {
  const kid = `ours-${alg}`;
  let privateJwk;
  let jwks;
  let token;

  await check(`${alg}: onecard-token keygen, jwks and sign`, () => {
    privateJwk = tokenTool(['keygen', '--alg', alg, '--kid', kid]).trim();
    const keyPath = file(`${kid}.jwk`, `${privateJwk}\n`);
    jwks = JSON.parse(tokenTool(['jwks', keyPath]));
    file(`${kid}.jwks`, JSON.stringify(jwks));
    token = tokenTool(['sign', '--key', keyPath], JSON.stringify({ iss: ISS, aud: AUD, sub: 'alice' })).trim();
  });
  if (!token) {
    return;
  }
  const jwksPath = join(dir, `${kid}.jwks`);

  await check(`${alg}: jose verifies our token against our JWKS (iss, aud, typ ${TYP})`, async () => {
    const { payload, protectedHeader } = await jose.jwtVerify(token, jose.createLocalJWKSet(jwks), {
      issuer: ISS,
      audience: AUD,
      typ: TYP,
      algorithms: [alg],
    });
    assert(protectedHeader.alg === alg && protectedHeader.kid === kid, 'header alg/kid differ');
    assert(payload.sub === 'alice', 'sub differs');
    for (const name of ['iat', 'nbf', 'exp']) {
      assert(Number.isInteger(payload[name]), `${name} is not an integer`);
    }
    assert(payload.exp - payload.iat === 300, 'default lifetime is not 300 s');
    assert(typeof payload.jti === 'string' && payload.jti.length > 0, 'jti missing');
  });

  await check(`${alg}: jose refuses our token with a changed payload`, async () => {
    let refused = false;
    try {
      await jose.jwtVerify(tamper(token), jose.createLocalJWKSet(jwks), { issuer: ISS, audience: AUD });
    } catch (err) {
      refused = err.code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED';
    }
    assert(refused, 'jose accepted or refused for another reason');
  });

  await check(`${alg}: our signature encoding is 64 raw bytes in range`, () => {
    const problem = signatureProblem(alg, token);
    assert(problem === null, problem);
  });

  await check(`${alg}: jose imports our private JWK; we accept what jose signs with it`, async () => {
    const key = await jose.importJWK(JSON.parse(privateJwk), alg);
    const joseToken = await new jose.SignJWT({ sub: 'bob' })
      .setProtectedHeader({ alg, kid, typ: TYP })
      .setIssuedAt()
      .setExpirationTime('5m')
      .setIssuer(ISS)
      .setAudience(AUD)
      .sign(key);
    const r = verifyWithUs(jwksPath, joseToken);
    assert(r.status === 0, `onecard-token verify exited ${r.status}: ${r.stderr.trim()}`);
    assert(JSON.parse(r.stdout).sub === 'bob', 'claims printed differ');
  });
}

async function joseKeysToUs(alg) {
  const kid = `jose-${alg}`;
  const { publicKey, privateKey } = await jose.generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await jose.exportJWK(publicKey)), kid, alg };
  const privateJwk = { ...(await jose.exportJWK(privateKey)), kid, alg };
  const jwksPath = file(`${kid}.jwks`, JSON.stringify({ keys: [publicJwk] }));
  const sign = (aud, typ = TYP) =>
    new jose.SignJWT({ sub: 'carol', scope: 'declare' })
      .setProtectedHeader({ alg, kid, typ })
      .setIssuedAt()
      .setExpirationTime('5m')
      .setIssuer(ISS)
      .setAudience(aud)
      .sign(privateKey);

  await check(`${alg}: onecard-token verify accepts a jose-signed token and prints its claims`, async () => {
    const r = verifyWithUs(jwksPath, await sign(AUD));
    assert(r.status === 0, `exit ${r.status}: ${r.stderr.trim()}`);
    const claims = JSON.parse(r.stdout);
    assert(claims.iss === ISS && claims.aud === AUD && claims.sub === 'carol', 'claims differ');
    assert(claims.scope === 'declare' && Number.isInteger(claims.exp), 'claims incomplete');
  });

  await check(`${alg}: a jose-signed token for another audience is refused with exit 6`, async () => {
    const r = verifyWithUs(jwksPath, await sign('module-b'));
    assert(r.status === 6, `exit ${r.status}: ${r.stderr.trim()}`);
    assert(/^onecard-token: token refused: wrong_audience \(.*\)\n$/.test(r.stderr), 'stderr is not the one expected line');
  });

  await check(`${alg}: a jose-signed token of typ JWT is refused with exit 6`, async () => {
    const r = verifyWithUs(jwksPath, await sign(AUD, 'JWT'));
    assert(r.status === 6, `exit ${r.status}: ${r.stderr.trim()}`);
  });

  await check(`${alg}: onecard-token jwks and sign take jose's private JWK; jose verifies`, async () => {
    const keyPath = file(`${kid}.jwk`, JSON.stringify(privateJwk));
    const ours = JSON.parse(tokenTool(['jwks', keyPath]));
    assert(ours.keys.length === 1, 'jwks holds not one key');
    for (const m of ['kty', 'crv', 'x', 'y']) {
      assert(ours.keys[0][m] === publicJwk[m], `public member ${m} differs from jose's`);
    }
    assert(!('d' in ours.keys[0]), 'jwks kept d');
    const token = tokenTool(['sign', '--key', keyPath], JSON.stringify({ iss: ISS, aud: AUD, sub: 'dave' })).trim();
    const { payload } = await jose.jwtVerify(token, publicKey, { issuer: ISS, audience: AUD, typ: TYP });
    assert(payload.sub === 'dave', 'sub differs');
  });
}

// NEGATIVE-TESTS.md J18: many tokens of ours, every one verified by jose.
async function bulk(alg) {
  const n = BULK[alg];
  const kid = `bulk-${alg}`;
  let tokens = [];
  let jwks;

  await check(`${alg}: mint_tokens issues ${n} tokens`, () => {
    const keyPath = file(`${kid}.jwk`, tokenTool(['keygen', '--alg', alg, '--kid', kid]));
    jwks = JSON.parse(tokenTool(['jwks', keyPath]));
    const r = run(mint, [keyPath, String(n)], '', 64 << 20);
    assert(r.status === 0, `mint_tokens exited ${r.status}: ${r.stderr.trim()}`);
    tokens = r.stdout.split('\n').filter((line) => line !== '');
    assert(tokens.length === n, `got ${tokens.length} tokens`);
  });
  if (tokens.length === 0) {
    return;
  }

  await check(`${alg}: jose verifies all ${tokens.length} tokens of ours (J18)`, async () => {
    const keySet = jose.createLocalJWKSet(jwks);
    const bad = [];
    const jtis = new Set();
    const chunk = 250;
    for (let i = 0; i < tokens.length; i += chunk) {
      const results = await Promise.allSettled(
        tokens.slice(i, i + chunk).map((t) =>
          jose.jwtVerify(t, keySet, { issuer: ISS, audience: 'interop', typ: TYP, algorithms: [alg] }),
        ),
      );
      results.forEach((res, j) => {
        if (res.status === 'rejected') {
          bad.push(`#${i + j}: ${res.reason?.code ?? res.reason}`);
        } else {
          jtis.add(res.value.payload.jti);
        }
      });
    }
    assert(bad.length === 0, `${bad.length} refused, first: ${bad.slice(0, 3).join('; ')}`);
    assert(jtis.size === tokens.length, `only ${jtis.size} distinct jti`);
  });

  const what = alg === 'ES256' ? 'with 0 < r, s < n' : 'with S < L';
  await check(`${alg}: every signature is exactly 64 bytes ${what} (J18)`, () => {
    const bad = [];
    tokens.forEach((t, i) => {
      const problem = signatureProblem(alg, t);
      if (problem !== null) {
        bad.push(`#${i}: ${problem}`);
      }
    });
    assert(bad.length === 0, `${bad.length} bad, first: ${bad.slice(0, 3).join('; ')}`);
  });
}

try {
  for (const alg of ['EdDSA', 'ES256']) {
    await ourKeysToJose(alg);
    await joseKeysToUs(alg);
  }
  if (mint) {
    for (const alg of ['ES256', 'EdDSA']) {
      await bulk(alg);
    }
  } else {
    console.log('# J18 bulk checks skipped: no mint_tokens binary given as the second argument');
  }
} catch (err) {
  fail('interop run', err?.stack ?? err);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
