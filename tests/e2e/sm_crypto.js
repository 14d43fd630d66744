// sm_crypto.js — SM3 (GB/T 32905) and SM2 signature verification (GB/T 32918,
// user id 1234567812345678) for outside_verify.py, by the npm package
// sm-crypto: a JavaScript implementation written apart from OpenSSL, which
// pdl uses. So an sm2-sm3 ledger is checked by code that shares nothing with
// pdl's. `make deps` installs the package into build/npm (tests/e2e/npm).
//
// Line protocol on stdin/stdout, one request and one answer per line:
//   h HEX                   -> HEX of SM3(bytes)
//   v PUBHEX SIGHEX MSGHEX  -> 1 when SIGHEX (r || s, 64 bytes) is the SM2
//                              signature of the 65-byte key PUBHEX over MSG
//                              under the user id 1234567812345678, else 0
//   t                       -> 1 when the package's own SM3 of "abc" is the
//                              GB/T 32905 value (a self-check)
// An empty HEX is the empty string.
'use strict';
const path = require('path');
const root = process.env.PDL_NPM || path.join(__dirname, '..', '..', 'build', 'npm');
const sm = require(path.join(root, 'node_modules', 'sm-crypto'));
const readline = require('readline');

const USER_ID = '1234567812345678';

function bytes(hex) {
	if (hex === undefined || hex.length % 2 !== 0 || /[^0-9a-f]/.test(hex))
		throw new Error('not lowercase hex');
	const a = new Array(hex.length / 2);
	for (let i = 0; i < a.length; i++)
		a[i] = parseInt(hex.substr(2 * i, 2), 16);
	return a;
}

function answer(line) {
	const w = line.split(' ');
	if (w[0] === 'h')
		return sm.sm3(bytes(w[1] || ''));
	if (w[0] === 'v') {
		const pub = w[1], sig = w[2];
		if (pub.length !== 130 || !pub.startsWith('04') || sig.length !== 128)
			return '0';
		bytes(pub);
		bytes(sig);
		return sm.sm2.doVerifySignature(bytes(w[3] || ''), sig, pub, {hash: true, userId: USER_ID}) ? '1' : '0';
	}
	if (w[0] === 't')
		return sm.sm3('abc') === '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0' ? '1' : '0';
	throw new Error('unknown request ' + w[0]);
}

const rl = readline.createInterface({input: process.stdin});
rl.on('line', (line) => {
	let out;
	try {
		out = answer(line);
	} catch (e) {
		out = 'error ' + e.message;
	}
	process.stdout.write(out + '\n');
});
