// A client nobody on the Verin team wrote, against a Verin node: @polkadot/api reads the
// metadata, submits `inference.request` signed by //Bob, waits for the job's
// `inference.JobCompleted` event and reads the result from `inference.jobs` in storage.
//
//   node compat.mjs WS_URL MODEL_ID INPUT.json EXPECTED_OUTPUT.json
//
// INPUT.json is one row of int8 pixels, EXPECTED_OUTPUT.json the int32 scores it must give.
// Prints one JSON line with what it saw; exits non-zero on any mismatch.
import { readFileSync } from 'node:fs';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';

const [url, modelArg, inputPath, expectedPath] = process.argv.slice(2);
if (!expectedPath) {
	console.error('usage: node compat.mjs WS_URL MODEL_ID INPUT.json EXPECTED_OUTPUT.json');
	process.exit(2);
}
const fail = (message) => {
	console.error(`polkadot.js compatibility: ${message}`);
	process.exit(1);
};
// Unreferenced, so a pending deadline does not keep the process alive after success.
const timeout = (ms, what) =>
	new Promise((_, reject) => setTimeout(() => reject(new Error(`no ${what} within ${ms / 1000} s`)), ms).unref());

const api = await ApiPromise.create({ provider: new WsProvider(url), noInitWarn: true, throwOnConnect: true });
try {
	// 1. The metadata: the pallets and the call this script uses.
	const pallets = api.runtimeMetadata.asLatest.pallets.map((pallet) => pallet.name.toString());
	for (const pallet of ['Models', 'Workers', 'Inference']) {
		if (!pallets.includes(pallet)) fail(`the metadata has no ${pallet} pallet (pallets: ${pallets})`);
	}
	if (!api.tx.inference?.request) fail('the metadata has no inference.request call');

	// 2. Completion events, collected from now on: the worker may answer in the block after
	// the request, before the request is finalized.
	const completions = new Map();
	const waiters = new Map();
	const unsubscribe = await api.query.system.events((records) => {
		for (const { event } of records) {
			if (!api.events.inference.JobCompleted.is(event)) continue;
			const done = { worker: event.data.worker.toString(), paidWorker: event.data.paidWorker.toString() };
			const id = event.data.job.toNumber();
			completions.set(id, done);
			waiters.get(id)?.(done);
		}
	});

	// 3. The request, signed by //Bob, until finalized.
	const bob = new Keyring({ type: 'sr25519' }).addFromUri('//Bob');
	const pixels = JSON.parse(readFileSync(inputPath, 'utf8'));
	const data = '0x' + Buffer.from(Int8Array.from(pixels).buffer).toString('hex');
	const input = [{ shape: [1, pixels.length], data }];
	const maxFee = 10n ** 12n; // 1 VRN: above any example model's fee
	const request = api.tx.inference.request(Number(modelArg), null, input, 'Vanilla', maxFee, 10);
	const job = await Promise.race([
		new Promise((resolve, reject) => {
			request
				.signAndSend(bob, ({ status, events, dispatchError }) => {
					if (dispatchError) {
						const detail = dispatchError.isModule ? api.registry.findMetaError(dispatchError.asModule) : null;
						reject(new Error(`the request failed: ${detail ? `${detail.section}.${detail.name}` : dispatchError}`));
					} else if (status.isFinalized) {
						const requested = events.find(({ event }) => api.events.inference.JobRequested.is(event));
						if (!requested) reject(new Error('no inference.JobRequested event'));
						else resolve(requested.event.data.job.toNumber());
					}
				})
				.catch(reject);
		}),
		timeout(90_000, 'finalized request'),
	]);

	// 4. The job's completion event.
	const completed = await Promise.race([
		new Promise((resolve) => (completions.has(job) ? resolve(completions.get(job)) : waiters.set(job, resolve))),
		timeout(90_000, `inference.JobCompleted for job ${job}`),
	]);
	unsubscribe();

	// 5. The result, from storage.
	const found = await api.query.inference.jobs(job);
	if (found.isNone) fail(`inference.jobs(${job}) is empty`);
	const record = found.unwrap();
	if (!record.status.isCompleted) fail(`job ${job} is ${record.status.type}, not Completed`);
	if (record.output.isNone) fail(`job ${job} has no output`);
	// Small outputs are kept inline as their SCALE encoding (a large one only by hash; its
	// bytes are in the nodes' offchain stores, served by `inference_output`). The tensor
	// type is the one the request call takes, read from the metadata.
	const stored = record.output.unwrap();
	if (!stored.isInline) fail(`job ${job}'s output is kept by content: ${stored.asIndexed.hash.toHex()}`);
	const payloadType = api.tx.inference.request.meta.args.find((arg) => arg.name.toString() === 'input').type.toString();
	const tensor = api.createType(payloadType, stored.asInline.toU8a(true))[0];
	const bytes = Buffer.from(tensor.data.toU8a(true));
	const scores = [];
	for (let offset = 0; offset + 4 <= bytes.length; offset += 4) scores.push(bytes.readInt32LE(offset));
	const expected = JSON.parse(readFileSync(expectedPath, 'utf8'));
	if (JSON.stringify(scores) !== JSON.stringify(expected)) {
		fail(`job ${job} output ${JSON.stringify(scores)} differs from ${JSON.stringify(expected)}`);
	}
	console.log(JSON.stringify({ job, worker: completed.worker, paidWorker: completed.paidWorker, shape: tensor.shape.toJSON(), scores }));
} catch (error) {
	fail(error.message);
} finally {
	await api.disconnect();
}
