/*
 * pdl.js — checks, in the reader's own browser, what pdl-project's pages
 * list (served as /assets/pdl.js; page.h, spec/views.md "The page"). No
 * build step, no framework, nothing loaded from anywhere but this origin.
 *
 * What it checks, with WebCrypto only (SHA-256 and Ed25519):
 *  1. the latest checkpoint (/v1/checkpoint) is a C2SP signed note with a
 *     valid Ed25519 signature by the verifier key the page carries
 *     (#pdl-vkey), under the ledger's origin; extension lines after the
 *     root (the old "chain" line) are allowed and ignored;
 *  2. for every element with data-seq: the entry's exact bytes
 *     (/v1/entries/SEQ) decode as entry SEQ and, when the element names
 *     one (data-type), as an act of that type; their leaf hash
 *     SHA-256(0x00 || bytes) and the RFC 9162 audit path for index SEQ in
 *     the checkpoint's tree (/v1/proof/inclusion?index=SEQ&size=SIZE) lead
 *     to the signed root;
 *  3. on /verify: the SHA-256 of a file the reader picks (it never leaves
 *     the browser), the public deposits of that digest (/v1/evidence), and
 *     each deposit's entry as in 2, whose act must be an evidence.deposit
 *     of that very digest.
 * It shows ✓ only for what it checked and found right; ✗ with the reason
 * for what it found wrong; and "not checked" with the reason when it
 * cannot check (no WebCrypto on a page that is not HTTPS or localhost, a
 * browser without Ed25519, a ledger on the SM2/SM3 suite).
 *
 * Every value it writes into the page goes through textContent (never
 * innerHTML): ledger values are untrusted.
 */
"use strict";
(function () {
	const doc = document;
	const vkEl = doc.getElementById("pdl-vkey");
	if (vkEl === null)
		return; /* a page with nothing to verify */
	const ckEl = doc.getElementById("pdl-ckpt");
	const sumEl = doc.getElementById("pdl-vsum");
	const stepsEl = doc.getElementById("pdl-steps");
	const subtle = window.crypto && window.crypto.subtle;
	const te = new TextEncoder();
	const utf8 = new TextDecoder("utf-8", { fatal: true });
	const WORKERS = 4; /* entries checked at once: a few requests in flight, not hundreds */
	const FILE_BYTES_MAX = 1 << 30; /* a file is hashed in memory */

	/* ---- bytes ---- */

	function unb64(s) {
		if (typeof s !== "string")
			throw new Error("expected base64 text");
		const bin = atob(s);
		const u = new Uint8Array(bin.length);
		for (let i = 0; i < bin.length; i++)
			u[i] = bin.charCodeAt(i);
		return u;
	}
	function b64(u) {
		let s = "";
		for (let i = 0; i < u.length; i++)
			s += String.fromCharCode(u[i]);
		return btoa(s);
	}
	function hex(u) {
		let s = "";
		for (let i = 0; i < u.length; i++)
			s += (u[i] < 16 ? "0" : "") + u[i].toString(16);
		return s;
	}
	function same(a, b) {
		if (a.length !== b.length)
			return false;
		for (let i = 0; i < a.length; i++)
			if (a[i] !== b[i])
				return false;
		return true;
	}
	function concat(parts) {
		let n = 0;
		for (const p of parts)
			n += p.length;
		const u = new Uint8Array(n);
		let o = 0;
		for (const p of parts) {
			u.set(p, o);
			o += p.length;
		}
		return u;
	}
	async function sha256(...parts) {
		return new Uint8Array(await subtle.digest("SHA-256", concat(parts)));
	}

	/* ---- msgpack: enough to read an entry and its act ---- */

	function mpRead(u, st, depth) {
		if (depth > 32)
			throw new Error("msgpack nested too deep");
		const need = (n) => {
			if (st.p + n > u.length)
				throw new Error("msgpack truncated");
		};
		const be = (n) => {
			need(n);
			let v = 0n;
			for (let i = 0; i < n; i++)
				v = (v << 8n) | BigInt(u[st.p + i]);
			st.p += n;
			return v;
		};
		const num = (v) => (v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
		const bytes = (n) => {
			need(n);
			const b = u.subarray(st.p, st.p + n);
			st.p += n;
			return b;
		};
		const arr = (n) => {
			const a = [];
			for (let i = 0; i < n; i++)
				a.push(mpRead(u, st, depth + 1));
			return a;
		};
		const map = (n) => {
			const m = {};
			for (let i = 0; i < n; i++) {
				const k = mpRead(u, st, depth + 1);
				if (typeof k !== "string")
					throw new Error("msgpack map key is not a string");
				Object.defineProperty(m, k, { value: mpRead(u, st, depth + 1), enumerable: true });
			}
			return m;
		};
		need(1);
		const c = u[st.p++];
		if (c <= 0x7f)
			return c;
		if (c >= 0xe0)
			return c - 256;
		if ((c & 0xf0) === 0x80)
			return map(c & 15);
		if ((c & 0xf0) === 0x90)
			return arr(c & 15);
		if ((c & 0xe0) === 0xa0)
			return utf8.decode(bytes(c & 31));
		switch (c) {
		case 0xc0: return null;
		case 0xc2: return false;
		case 0xc3: return true;
		case 0xc4: return bytes(Number(be(1)));
		case 0xc5: return bytes(Number(be(2)));
		case 0xc6: return bytes(Number(be(4)));
		case 0xca: need(4); st.p += 4; return new DataView(u.buffer, u.byteOffset + st.p - 4, 4).getFloat32(0);
		case 0xcb: need(8); st.p += 8; return new DataView(u.buffer, u.byteOffset + st.p - 8, 8).getFloat64(0);
		case 0xcc: return num(be(1));
		case 0xcd: return num(be(2));
		case 0xce: return num(be(4));
		case 0xcf: return num(be(8));
		case 0xd0: return num(BigInt.asIntN(8, be(1)));
		case 0xd1: return num(BigInt.asIntN(16, be(2)));
		case 0xd2: return num(BigInt.asIntN(32, be(4)));
		case 0xd3: return num(BigInt.asIntN(64, be(8)));
		case 0xd9: return utf8.decode(bytes(Number(be(1))));
		case 0xda: return utf8.decode(bytes(Number(be(2))));
		case 0xdb: return utf8.decode(bytes(Number(be(4))));
		case 0xdc: return arr(Number(be(2)));
		case 0xdd: return arr(Number(be(4)));
		case 0xde: return map(Number(be(2)));
		case 0xdf: return map(Number(be(4)));
		}
		throw new Error("msgpack type 0x" + c.toString(16) + " is not used by pdl");
	}
	function mpDecode(u) {
		const st = { p: 0 };
		const v = mpRead(u, st, 0);
		if (st.p !== u.length)
			throw new Error("bytes after the msgpack value");
		return v;
	}
	/* An entry: [seq, time_ms, prev_chain_hash, act, sig, outcome] (spec/formats.md). */
	function decodeEntry(bytes) {
		const e = mpDecode(bytes);
		if (!Array.isArray(e) || e.length !== 6 || typeof e[0] !== "number" || !(e[3] instanceof Uint8Array))
			throw new Error("the bytes served are not a pdl entry");
		const act = mpDecode(e[3]);
		if (act === null || typeof act !== "object" || typeof act.type !== "string")
			throw new Error("the entry's act does not decode");
		return { seq: e[0], time_ms: e[1], act: act };
	}

	/* ---- signed notes and checkpoints (C2SP signed-note, tlog-checkpoint) ---- */

	async function parseVkey(s) {
		/* <name>+<8 hex id>+<base64(0x01 || key)>: the base64 may hold '+' too */
		const m = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+\/]+=*)$/.exec(s || "");
		if (m === null)
			throw new Error("the page's verifier key is malformed");
		const parts = [m[1], m[2], m[3]];
		const raw = unb64(parts[2]);
		if (raw.length !== 33 || raw[0] !== 1)
			throw new Error("the verifier key is not an Ed25519 key (algorithm byte " + raw[0] + ")");
		const id = (await sha256(te.encode(parts[0] + "\n"), raw)).subarray(0, 4);
		if (hex(id) !== parts[1])
			throw new Error("the verifier key's id does not match its key");
		return { name: parts[0], id: id, pub: raw.subarray(1) };
	}

	async function verifyCheckpoint(note, vk) {
		if (typeof note !== "string")
			throw new Error("no signed note in the answer");
		/* signed-note: the text ends at the last blank line; each signature
		 * line after it ends with a newline, none of them empty */
		const cut = note.lastIndexOf("\n\n");
		if (cut < 0 || !note.endsWith("\n") || cut + 2 >= note.length)
			throw new Error("the checkpoint is not a signed note (no blank line before its signatures)");
		const body = note.slice(0, cut + 1);
		const sigs = note.slice(cut + 2, -1).split("\n");
		let sig = null;
		for (const line of sigs) {
			const m = /^\u2014 (\S+) (\S+)$/.exec(line);
			if (m === null)
				throw new Error("malformed signature line in the checkpoint");
			if (m[1] !== vk.name)
				continue; /* a witness's cosignature: not ours to check here */
			const raw = unb64(m[2]);
			if (raw.length === 68 && same(raw.subarray(0, 4), vk.id))
				sig = raw.subarray(4);
		}
		if (sig === null)
			throw new Error("the checkpoint carries no signature by the ledger key " + vk.name);
		let key;
		try {
			key = await subtle.importKey("raw", vk.pub, { name: "Ed25519" }, false, ["verify"]);
		} catch (e) {
			const err = new Error("this browser's WebCrypto has no Ed25519 (" + e.name + ")");
			err.unsupported = true;
			throw err;
		}
		if (!(await subtle.verify({ name: "Ed25519" }, key, sig, te.encode(body))))
			throw new Error("the checkpoint's signature does not verify with the ledger key");
		const lines = body.split("\n");
		if (lines.length < 4 || lines[0] !== vk.name || !/^(0|[1-9][0-9]{0,15})$/.test(lines[1]))
			throw new Error("the checkpoint's body is malformed");
		const root = unb64(lines[2]);
		if (root.length !== 32)
			throw new Error("the checkpoint's root is not 32 bytes");
		const size = Number(lines[1]);
		if (!Number.isSafeInteger(size))
			throw new Error("the checkpoint's size is out of range");
		/* lines[3..] are extension lines (the old "chain <hash>"): signed, not needed here */
		return { origin: lines[0], size: size, root: root, note: note };
	}

	/* ---- RFC 9162 §2.1.3.2: the root an inclusion proof leads to ---- */

	async function rootFromPath(index, size, leaf, path) {
		if (index >= size)
			throw new Error("index " + index + " is not below size " + size);
		let fn = index, sn = size - 1, r = leaf;
		const one = Uint8Array.of(1);
		for (const p of path) {
			if (p.length !== 32)
				throw new Error("a proof hash is not 32 bytes");
			if (sn === 0)
				throw new Error("the proof is longer than the tree is deep");
			if (fn % 2 === 1 || fn === sn) {
				r = await sha256(one, p, r);
				if (fn % 2 === 0)
					while (fn % 2 === 0 && fn !== 0) {
						fn = Math.floor(fn / 2);
						sn = Math.floor(sn / 2);
					}
			} else {
				r = await sha256(one, r, p);
			}
			fn = Math.floor(fn / 2);
			sn = Math.floor(sn / 2);
		}
		if (sn !== 0)
			throw new Error("the proof is shorter than the tree is deep");
		return r;
	}

	/* ---- fetching ---- */

	async function getJSON(url) {
		let r;
		try {
			r = await fetch(url, { cache: "no-store", credentials: "omit", redirect: "error" });
		} catch (e) {
			throw new Error(url + ": no answer (" + e.message + ")");
		}
		let j = null;
		try {
			j = await r.json();
		} catch (e) {
			throw new Error(url + ": HTTP " + r.status + ", not JSON");
		}
		if (!r.ok)
			throw new Error(url + ": HTTP " + r.status + (j && j.error ? " " + j.error : ""));
		return j;
	}

	/* ---- showing ---- */

	const MARK = { ok: "✓ 已验证 verified", wait: "… 验证中 checking", pend: "⏳ 待检查点 pending" };
	function show(el, state, text, detail) {
		el.className = "vs " + state;
		el.dataset.state = state;
		el.textContent = text;
		el.title = detail || "";
	}
	function step(text, state) {
		if (stepsEl === null)
			return;
		const li = doc.createElement("li");
		li.textContent = (state === "ok" ? "✓ " : state === "bad" ? "✗ " : "") + text;
		li.dataset.state = state || "";
		stepsEl.appendChild(li);
	}
	function cst(ms) {
		const d = new Date(ms + 8 * 3600 * 1000).toISOString();
		return d.slice(0, 10) + " " + d.slice(11, 16) + " CST";
	}

	/* ---- the checks ---- */

	const vkey = vkEl.dataset.vkey || "";
	const suite = vkEl.dataset.suite || "ed25519-sha256";
	let cannot = null; /* why nothing can be checked here, or null */
	if (suite !== "ed25519-sha256")
		cannot = (/sm2|sm3/i.test(suite) ? "this ledger signs with SM2 and hashes with SM3 (国密, suite " + suite +
		    "); browsers' WebCrypto has neither" : "this ledger's suite (" + suite + ") is not one browsers' WebCrypto has") +
		    ", so this page checks nothing: use `pdl verify` or the outside verifier";
	else if (!subtle)
		cannot = "this browser gives WebCrypto only to HTTPS pages (and localhost): open the page over HTTPS, " +
		    "or check offline with `pdl verify`";

	let ckPromise = null;
	function checkpoint() {
		if (ckPromise === null)
			ckPromise = (async () => {
				if (cannot !== null)
					throw Object.assign(new Error(cannot), { unsupported: true });
				const vk = await parseVkey(vkey);
				const r = await getJSON("/v1/checkpoint");
				return verifyCheckpoint(r.note, vk);
			})();
		return ckPromise;
	}

	/* Checks entry seq against the verified checkpoint ck; expect: {type,
	 * digest} it must hold. Returns what it found; throws with the reason. */
	async function checkEntry(seq, ck, expect) {
		if (seq >= ck.size)
			return { pending: true };
		const e = await getJSON("/v1/entries/" + seq);
		const bytes = unb64(e.entry);
		const ent = decodeEntry(bytes);
		if (ent.seq !== seq)
			throw new Error("the bytes served are entry #" + ent.seq + ", not #" + seq);
		if (expect.type && ent.act.type !== expect.type)
			throw new Error("entry #" + seq + " is a " + ent.act.type + ", not the " + expect.type + " this item names");
		if (expect.digest && !(ent.act.body && ent.act.body.digest === expect.digest))
			throw new Error("entry #" + seq + " deposits another digest");
		const leaf = await sha256(Uint8Array.of(0), bytes);
		const p = await getJSON("/v1/proof/inclusion?index=" + seq + "&size=" + ck.size);
		if (!Array.isArray(p.proof))
			throw new Error("the proof answer has no audit path");
		const root = await rootFromPath(seq, ck.size, leaf, p.proof.map(unb64));
		if (!same(root, ck.root))
			throw new Error("the inclusion proof does not lead to the signed root: entry #" + seq +
			    " is not shown to be in the log");
		return { ent: ent, bytes: bytes, leaf: leaf, root: root, path: p.proof.length };
	}

	const tally = { ok: 0, bad: 0, other: 0, total: 0 };
	function summarize(done) {
		if (sumEl === null)
			return;
		sumEl.dataset.ok = tally.ok;
		sumEl.dataset.bad = tally.bad;
		sumEl.dataset.total = tally.total;
		sumEl.dataset.done = done ? "1" : "0";
		let t = "已验证 " + tally.ok + " / " + tally.total + " verified";
		if (tally.bad)
			t += " · ✗ " + tally.bad + " 未通过 failed";
		if (tally.other)
			t += " · " + tally.other + " not checked";
		sumEl.textContent = t + (done ? "" : " …");
	}

	/* Every [data-seq] element of the page, checked WORKERS at a time. */
	async function checkPage() {
		const els = Array.from(doc.querySelectorAll("[data-seq]"));
		const bySeq = new Map();
		for (const el of els) {
			const seq = Number(el.dataset.seq);
			const key = seq + "/" + (el.dataset.type || "");
			if (!bySeq.has(key))
				bySeq.set(key, { seq: seq, type: el.dataset.type || "", els: [] });
			bySeq.get(key).els.push(el);
			show(el, "wait", MARK.wait);
		}
		tally.total = els.length;
		summarize(false);
		let ck;
		try {
			ck = await checkpoint();
			if (ckEl)
				show(ckEl, "ok", "✓ 检查点已验证 checkpoint verified: size " + ck.size + ", root " + b64(ck.root),
				    "signed note verified with Ed25519 against the verifier key above");
			step("checkpoint: the signed note verifies with Ed25519 under " + vkey.split("+")[0] + " (size " +
			    ck.size + ", root " + b64(ck.root) + ")", "ok");
		} catch (e) {
			const state = e.unsupported ? "na" : "bad";
			if (ckEl)
				show(ckEl, state, (state === "na" ? "— 未验证 not checked: " : "✗ 检查点未通过 checkpoint failed: ") +
				    e.message);
			step("checkpoint: " + e.message, state);
			for (const el of els)
				show(el, state, state === "na" ? "— not checked" : "✗ checkpoint not verified", e.message);
			if (state === "na")
				tally.other = els.length;
			else
				tally.bad = els.length;
			summarize(true);
			doc.documentElement.dataset.pdlChecked = "done";
			return null;
		}
		const jobs = Array.from(bySeq.values());
		let next = 0;
		async function worker() {
			while (next < jobs.length) {
				const j = jobs[next++];
				let state, text, detail = "";
				try {
					const r = await checkEntry(j.seq, ck, { type: j.type });
					if (r.pending) {
						state = "pend";
						text = MARK.pend;
						detail = "entry #" + j.seq + " is not yet covered by the signed checkpoint (size " + ck.size +
						    "): reload shortly";
					} else {
						state = "ok";
						text = MARK.ok;
						detail = "entry #" + j.seq + " (" + r.ent.act.type + ") is leaf " + j.seq + " of the tree of " +
						    ck.size + " entries whose root the ledger signed";
						if (stepsEl !== null) {
							step("entry bytes: " + r.bytes.length + " bytes that decode as entry #" + r.ent.seq + ", a " +
							    r.ent.act.type + " by " + r.ent.act.actor + " at " + cst(r.ent.time_ms), "ok");
							step("leaf hash SHA-256(0x00 ‖ bytes) = " + hex(r.leaf), "ok");
							step("root from the " + r.path + "-hash audit path for index " + j.seq + " in size " + ck.size +
							    " = " + b64(r.root) + ", the signed root", "ok");
						}
					}
				} catch (e) {
					state = "bad";
					text = "✗ 未通过 failed: " + e.message;
					detail = e.message;
					step("entry #" + j.seq + ": " + e.message, "bad");
				}
				for (const el of j.els)
					show(el, state, text, detail);
				tally[state === "ok" ? "ok" : state === "bad" ? "bad" : "other"] += j.els.length;
				summarize(false);
			}
		}
		const ws = [];
		for (let i = 0; i < WORKERS; i++)
			ws.push(worker());
		await Promise.all(ws);
		summarize(true);
		doc.documentElement.dataset.pdlChecked = "done"; /* for tests and tools: every mark is final */
		return ck;
	}

	/* ---- /verify: a file the reader picks ---- */

	function el(tag, cls, text) {
		const e = doc.createElement(tag);
		if (cls)
			e.className = cls;
		if (text !== undefined)
			e.textContent = text;
		return e;
	}

	async function checkFile(file, out) {
		out.textContent = "";
		out.className = "result";
		delete out.dataset.result;
		if (file.size > FILE_BYTES_MAX) {
			out.textContent = "This page hashes files up to 1 GiB in memory; use `sha256sum` and /v1/evidence?digest=HEX.";
			out.dataset.result = "error";
			return;
		}
		out.textContent = "计算中 computing the SHA-256 of " + file.name + " in this browser…";
		let digest;
		try {
			digest = hex(await sha256(new Uint8Array(await file.arrayBuffer())));
		} catch (e) {
			out.textContent = "Cannot read the file: " + e.message;
			out.dataset.result = "error";
			return;
		}
		out.textContent = "";
		out.appendChild(el("p", "", "文件 File: " + file.name + " (" + file.size.toLocaleString("en") + " bytes)"));
		const dp = el("p", "", "SHA-256: ");
		dp.appendChild(el("code", "", digest));
		out.appendChild(dp);
		let r;
		try {
			r = await getJSON("/v1/evidence?digest=" + digest);
		} catch (e) {
			out.appendChild(el("p", "", "The server did not answer: " + e.message));
			out.dataset.result = "error";
			return;
		}
		const items = Array.isArray(r.items) ? r.items : [];
		if (items.length === 0) {
			out.className = "result none";
			out.dataset.result = "none";
			out.appendChild(el("p", "big", "未存证 Not deposited: no public deposit in this ledger has this SHA-256."));
			out.appendChild(el("p", "sub", "Deposits that carry their document are private and are not searched here."));
			return;
		}
		out.className = "result found";
		out.dataset.result = "found";
		out.appendChild(el("p", "big", "已存证 Deposited " + items.length + (items.length > 1 ? " times" : " time") + ":"));
		const ul = el("ul");
		const marks = [];
		for (const it of items) {
			const li = el("li");
			li.appendChild(doc.createTextNode("by " + (it.depositor_name || it.depositor) + " (" + it.depositor + ") at " +
			    cst(it.time_ms) + ", evidence " + it.evidence_id + " — " + (it.subject || "") + ", entry "));
			const a = el("a", "", "#" + it.seq);
			a.href = "/entries/" + encodeURIComponent(String(it.seq));
			li.appendChild(a);
			li.appendChild(doc.createTextNode(" "));
			const m = el("span", "vs wait", MARK.wait);
			li.appendChild(m);
			ul.appendChild(li);
			marks.push([m, it]);
		}
		out.appendChild(ul);
		let ck;
		try {
			ck = await checkpoint();
		} catch (e) {
			for (const [m] of marks)
				show(m, e.unsupported ? "na" : "bad", (e.unsupported ? "— not checked: " : "✗ checkpoint not verified: ") +
				    e.message);
			return;
		}
		for (const [m, it] of marks) {
			try {
				const seq = Number(it.seq);
				const x = await checkEntry(seq, ck, { type: "evidence.deposit", digest: digest });
				if (x.pending)
					show(m, "pend", MARK.pend);
				else
					show(m, "ok", MARK.ok, "the deposit is entry #" + seq + " of the signed log and names this digest");
			} catch (e) {
				show(m, "bad", "✗ 未通过 failed: " + e.message);
			}
		}
	}

	function setupFile() {
		const input = doc.getElementById("pdl-file");
		const drop = doc.getElementById("pdl-drop");
		const out = doc.getElementById("pdl-fres");
		if (input === null || out === null)
			return;
		input.disabled = false;
		input.addEventListener("change", () => {
			if (input.files && input.files[0])
				checkFile(input.files[0], out);
		});
		if (drop !== null) {
			drop.addEventListener("dragover", (e) => {
				e.preventDefault();
				drop.classList.add("over");
			});
			drop.addEventListener("dragleave", () => drop.classList.remove("over"));
			drop.addEventListener("drop", (e) => {
				e.preventDefault();
				drop.classList.remove("over");
				if (e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files[0])
					checkFile(e.dataTransfer.files[0], out);
			});
		}
	}

	setupFile();
	checkPage();
})();
