#!/usr/bin/env node
// pdlsign.mjs — a reference signer for pdl, in JavaScript (Node 18 or
// later, its built-in crypto and fetch; no npm packages).
//
// It is documentation for integrators as much as a tool: it takes an act
// written as JSON, encodes it as msgpack exactly as pdl does, signs it for
// one ledger, and prints the envelope `pdld --http` takes, or POSTs it.
//
//   node pdlsign.mjs --key KEYFILE --ledger-id HEX ACT.json   print the envelope
//   node pdlsign.mjs --key KEYFILE --post URL ACT.json        sign and send it to URL
//                                                             (http://HOST:PORT); the ledger
//                                                             id comes from URL/v1/head
//                                                             unless given
//   node pdlsign.mjs --check-vectors FILE                     check spec/vectors/
//
// The bytes (spec/formats.md §1.5–1.6):
//   act    = msgpack map of the act JSON: "v": 1 first unless the object has
//            "v"; then the keys in the order the file has them; objects are
//            maps, arrays arrays, strings str (UTF-8), integers the shortest
//            msgpack integer (non-negative ones unsigned), true/false bool,
//            null nil. No fractions. Duplicate keys are refused.
//   signed = "pdl/act/v2\n" || ledger id (32 bytes) || act
//   sig    = Ed25519(seed from the key file, signed)
// The ledger id is 32 zero bytes for a ledger.genesis act, else the one
// `pdl ledger-id` prints (the hash of the ledger's genesis entry).
//
// Why a JSON parser of its own: JSON.parse turns integers into doubles
// (a nonce above 2^53 changes) and moves keys that look like array
// indexes to the front of an object (the act bytes would change). This one
// keeps every integer exact (BigInt) and every object's key order.

import { createPrivateKey, sign as edSign } from 'node:crypto';
import { closeSync, fstatSync, openSync, readFileSync, readSync, constants } from 'node:fs';

const SIGNING_PREFIX = Buffer.from('pdl/act/v2\n');
const SUITE = 'ed25519-sha256'; // the only crypto suite this signer speaks
const INT_MAX = (1n << 63n) - 1n; // pdl reads JSON integers as int64 (spec/formats.md §1.5)
// The PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410), which Node's crypto takes.
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');

// A JSON object as its [key, value] pairs, in the order of the text.
class Obj {
  constructor(pairs) { this.pairs = pairs; }
  get(k) { const p = this.pairs.find(([key]) => key === k); return p ? p[1] : undefined; }
}

// ---- JSON: key order kept, integers exact, duplicates and fractions refused ----

function parseJson(text) {
  let i = 0;
  const fail = (why) => { throw new Error(`JSON at offset ${i}: ${why}`); };
  const ws = () => { while (i < text.length && ' \t\n\r'.includes(text[i])) i++; };
  const value = () => {
    ws();
    const c = text[i];
    if (c === '{') return object();
    if (c === '[') return array();
    if (c === '"') return string();
    if (c === '-' || (c >= '0' && c <= '9')) return number();
    for (const [word, v] of [['true', true], ['false', false], ['null', null]])
      if (text.startsWith(word, i)) { i += word.length; return v; }
    return fail('unexpected ' + (c === undefined ? 'end' : JSON.stringify(c)));
  };
  const object = () => {
    const pairs = [], seen = new Set();
    i++; ws();
    if (text[i] === '}') { i++; return new Obj(pairs); }
    for (;;) {
      ws();
      if (text[i] !== '"') fail('expected a key');
      const k = string();
      if (seen.has(k)) fail(`duplicate key ${JSON.stringify(k)}`);
      seen.add(k);
      ws();
      if (text[i++] !== ':') fail('expected :');
      pairs.push([k, value()]);
      ws();
      if (text[i] === ',') { i++; continue; }
      if (text[i++] === '}') return new Obj(pairs);
      fail('expected , or }');
    }
  };
  const array = () => {
    const a = [];
    i++; ws();
    if (text[i] === ']') { i++; return a; }
    for (;;) {
      a.push(value());
      ws();
      if (text[i] === ',') { i++; continue; }
      if (text[i++] === ']') return a;
      fail('expected , or ]');
    }
  };
  const string = () => {
    let s = '';
    i++;
    for (;;) {
      const c = text[i++];
      if (c === undefined) fail('unterminated string');
      if (c === '"') break;
      if (c < ' ') fail('a control character in a string');
      if (c !== '\\') { s += c; continue; }
      const e = text[i++];
      const simple = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
      if (e in simple) { s += simple[e]; continue; }
      if (e !== 'u' || !/^[0-9a-fA-F]{4}$/.test(text.slice(i, i + 4))) fail('a bad escape');
      s += String.fromCharCode(parseInt(text.slice(i, i + 4), 16));
      i += 4;
    }
    // UTF-8 cannot carry a lone surrogate, and pdl refuses U+0000 (jansson does)
    if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s)) fail('a lone surrogate in a string');
    if (s.includes('\0')) fail('U+0000 in a string');
    return s;
  };
  const number = () => {
    const m = /^-?(0|[1-9][0-9]*)([.eE])?/.exec(text.slice(i));
    if (!m) fail('a bad number');
    if (m[2]) fail('fractional numbers are not allowed in acts');
    i += m[0].length;
    return BigInt(m[0]);
  };
  const v = value();
  ws();
  if (i !== text.length) fail('text after the JSON value');
  return v;
}

// ---- msgpack, the smallest form of every value (what msgpack-c writes) ----

function u(n, bytes) { // n as a big-endian unsigned integer of `bytes` bytes
  const b = Buffer.alloc(bytes);
  for (let k = bytes - 1; k >= 0; k--, n >>= 8n) b[k] = Number(n & 0xffn);
  return b;
}

function length(n, fix, fixMax, code16, code32) { // a map, array or str header
  if (n <= fixMax) return Buffer.from([fix | n]);
  if (n <= 0xffff) return Buffer.concat([Buffer.from([code16]), u(BigInt(n), 2)]);
  return Buffer.concat([Buffer.from([code32]), u(BigInt(n), 4)]);
}

function packInt(v) {
  if (v > INT_MAX || v < -INT_MAX - 1n) throw new Error(`integer ${v} is outside what pdl reads from JSON (int64)`);
  if (v >= 0n && v <= 0x7fn) return Buffer.from([Number(v)]); // positive fixint
  if (v >= -32n && v < 0n) return Buffer.from([Number(v & 0xffn)]); // negative fixint
  if (v > 0n) { // non-negative numbers are always unsigned
    for (const [max, code, bytes] of [[0xffn, 0xcc, 1], [0xffffn, 0xcd, 2], [0xffffffffn, 0xce, 4], [(1n << 64n) - 1n, 0xcf, 8]])
      if (v <= max) return Buffer.concat([Buffer.from([code]), u(v, bytes)]);
  }
  for (const [min, code, bytes] of [[-0x80n, 0xd0, 1], [-0x8000n, 0xd1, 2], [-0x80000000n, 0xd2, 4], [-(1n << 63n), 0xd3, 8]])
    if (v >= min) return Buffer.concat([Buffer.from([code]), u(BigInt.asUintN(bytes * 8, v), bytes)]);
  throw new Error('unreachable');
}

function pack(v) {
  if (v instanceof Obj)
    return Buffer.concat([length(v.pairs.length, 0x80, 15, 0xde, 0xdf), ...v.pairs.flatMap(([k, x]) => [pack(k), pack(x)])]);
  if (Array.isArray(v)) return Buffer.concat([length(v.length, 0x90, 15, 0xdc, 0xdd), ...v.map(pack)]);
  if (typeof v === 'string') {
    const b = Buffer.from(v, 'utf8');
    const head = b.length >= 32 && b.length <= 0xff ? Buffer.from([0xd9, b.length]) : length(b.length, 0xa0, 31, 0xda, 0xdb);
    return Buffer.concat([head, b]);
  }
  if (typeof v === 'boolean') return Buffer.from([v ? 0xc3 : 0xc2]);
  if (v === null) return Buffer.from([0xc0]);
  if (typeof v === 'bigint') return packInt(v);
  throw new Error(`cannot encode ${v}`);
}

// The msgpack bytes of an act object, "v": 1 first unless given.
function actBytes(act) {
  if (!(act instanceof Obj)) throw new Error('an act is a JSON object');
  const withV = act.get('v') === undefined ? new Obj([['v', 1n], ...act.pairs]) : act;
  return pack(withV);
}

// ---- keys and signatures ----

// The seed of a pdl key file: "pdl-ed25519-v1\n" base64(seed) "\n", refused
// when group or others may access it (as pdl refuses it).
function loadKey(path) {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  let text;
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error(`key file ${path} is not a regular file`);
    if (st.mode & 0o077)
      throw new Error(`key file ${path} is readable by group or others (mode ${(st.mode & 0o777).toString(8)}); run chmod 600 ${path}`);
    const buf = Buffer.alloc(4096);
    text = buf.subarray(0, readSync(fd, buf)).toString('latin1');
  } finally {
    closeSync(fd);
  }
  const alg = /^pdl-([a-z0-9]+)-v1\n/.exec(text);
  if (alg && alg[1] !== 'ed25519') throw new Error(`key file ${path} holds a ${alg[0].trim()} key; this signer signs with Ed25519 keys only`);
  const m = /^pdl-ed25519-v1\n([A-Za-z0-9+/]{43}=)\n$/.exec(text);
  const seed = m && Buffer.from(m[1], 'base64');
  if (!seed || seed.length !== 32 || seed.toString('base64') !== m[1]) throw new Error(`key file ${path} is malformed`);
  return seed;
}

function signAct(seed, ledgerId, act) {
  const signed = Buffer.concat([SIGNING_PREFIX, ledgerId, act]);
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' });
  return { signed, sig: edSign(null, signed, key) };
}

function envelope(act, sig, ledgerId) {
  return { act: act.toString('base64'), sig: sig.toString('base64'), ledger_id: ledgerId.toString('hex') };
}

// ---- commands ----

function checkVectors(path) {
  const doc = parseJson(readFileSync(path, 'utf8'));
  const seed = Buffer.from(doc.get('key').get('seed_hex'), 'hex');
  let bad = 0;
  for (const v of doc.get('vectors')) {
    const lid = Buffer.from(v.get('ledger_id'), 'hex');
    const act = actBytes(v.get('act'));
    const { signed, sig } = signAct(seed, lid, act);
    const env = v.get('envelope'), got = envelope(act, sig, lid);
    const wrong = [
      ['act bytes', act.toString('hex') === v.get('act_hex')],
      ['signed bytes', signed.toString('hex') === v.get('signed_hex')],
      ['signature', sig.toString('hex') === v.get('sig_hex')],
      ['envelope', ['act', 'sig', 'ledger_id'].every((k) => got[k] === env.get(k))],
    ].filter(([, same]) => !same).map(([name]) => name);
    if (wrong.length) {
      bad++;
      console.log(`not ok - vector ${v.get('name')}: ${wrong.join(', ')} differ`);
    } else {
      console.log(`ok - vector ${v.get('name')} (${act.length} act bytes)`);
    }
  }
  return bad ? 1 : 0;
}

async function main(argv) {
  const opt = {}, files = [];
  for (let i = 0; i < argv.length; i++) {
    if (['--key', '--ledger-id', '--post', '--check-vectors'].includes(argv[i]) && i + 1 < argv.length) opt[argv[i]] = argv[++i];
    else if (argv[i] === '-h' || argv[i] === '--help') { console.log(readFileSync(new URL(import.meta.url), 'utf8').split('\n').slice(1, 26).join('\n')); return 0; }
    else files.push(argv[i]);
  }
  if (opt['--check-vectors']) return checkVectors(opt['--check-vectors']);
  if (!opt['--key'] || files.length !== 1 || !(opt['--ledger-id'] || opt['--post'])) {
    console.error('usage: pdlsign.mjs --key KEYFILE (--ledger-id HEX | --post URL) ACT.json | --check-vectors FILE');
    return 2;
  }
  const actObj = parseJson(readFileSync(files[0], 'utf8'));
  const base = (opt['--post'] || '').replace(/\/+$/, '');
  let lidHex = opt['--ledger-id'];
  if (!lidHex) {
    const r = await fetch(`${base}/v1/head`);
    const head = await r.json();
    if (r.status !== 200) throw new Error(`${base}/v1/head answered ${r.status}: ${JSON.stringify(head)}`);
    lidHex = head.ledger_id;
    // A ledger names its crypto suite (spec/formats.md); absent means
    // ed25519-sha256. This signer makes Ed25519 signatures only.
    const suite = head.suite ?? SUITE;
    if (suite !== SUITE) throw new Error(`the ledger at ${base} uses the suite ${suite}; this signer signs for ${SUITE} ledgers only; nothing sent`);
  }
  if (!/^[0-9a-f]{64}$/.test(lidHex)) throw new Error('the ledger id is 64 lowercase hex digits');
  const lid = actObj instanceof Obj && actObj.get('type') === 'ledger.genesis' ? Buffer.alloc(32) : Buffer.from(lidHex, 'hex');
  const act = actBytes(actObj);
  const { sig } = signAct(loadKey(opt['--key']), lid, act);
  const env = JSON.stringify(envelope(act, sig, lid));
  if (!base) { console.log(env); return 0; }
  const r = await fetch(`${base}/v1/acts`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: env });
  const text = await r.text();
  console.log(text);
  const reply = JSON.parse(text); // receipts: no integer here outgrows a double but time_ms and seq, which fit
  return r.status === 200 && (reply.results || []).every((x) => !('error' in x)) ? 0 : 1;
}

main(process.argv.slice(2)).then((rc) => { process.exitCode = rc; }, (e) => { console.error(`pdlsign.mjs: ${e.message}`); process.exitCode = 1; });
