// Load benchmark on the network of network.toml (bench-network.zndsl, run by
// scripts/bench-network.sh): inference jobs at increasing rates, then plain transfers on the
// same network for comparison. Bounded in count and time; talks to loopback nodes only.
// Writes a Markdown table to VERIN_BENCH_OUT and returns 1.
const fs = require("fs");
const { Keyring } = require("@polkadot/keyring");
const { cryptoWaitReady } = require("@polkadot/util-crypto");
const { inBlock } = require("./market.js");

const UNIT = 1_000_000_000_000n;
const MODEL = 1; // digits-mlp-int8, published at genesis
const PIXELS = [0, 0, 5, 13, 9, 1, 0, 0, 0, 0, 13, 15, 10, 15, 5, 0, 0, 3, 15, 2, 0, 11, 8, 0, 0, 4, 12, 0, 0, 8, 8, 0,
  0, 5, 8, 0, 0, 9, 8, 0, 0, 4, 11, 0, 1, 12, 7, 0, 0, 2, 14, 5, 10, 12, 0, 0, 0, 0, 6, 13, 10, 0, 0, 0];
// Jobs requested per block in each phase, and blocks per phase; jobs go in bulk requests
// (`request_batch`) of at most BULK, as a dapp with many inputs sends them.
const RATES = [32, 64, 128, 256];
const PHASE_BLOCKS = 5;
const BULK = 16;
const TRANSFERS = 1500;
const BLOCK_SECONDS = 6;

const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);

async function waitBlocks(api, count) {
  const start = (await api.rpc.chain.getHeader()).number.toNumber();
  for (;;) {
    if ((await api.rpc.chain.getHeader()).number.toNumber() >= start + count) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function run(nodeName, networkInfo) {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: "sr25519", ss58Format: 42 });
  const [alice, dave, eve, ferdie] = ["//Alice", "//Dave", "//Eve", "//Ferdie"].map((uri) => keyring.addFromUri(uri));
  const api = await zombie.connect(networkInfo.nodesByName[nodeName].wsUri, networkInfo.nodesByName[nodeName].userDefinedTypes);
  try {
    // Alice is the genesis worker but runs no engine here: she leaves matching; Dave and Eve,
    // the inference nodes, serve the model.
    await inBlock(api, api.tx.workers.goOffline(), alice);
    const served = [{ model: MODEL, version: { major: 1, minor: 0 } }];
    await Promise.all([dave, eve].map((w) => inBlock(api, api.tx.workers.register((100n * UNIT).toString(), 1, served), w)));

    // Every event of the finalized chain, by block number.
    const requested = new Map(); // job -> block
    const completed = new Map(); // job -> block
    const ended = new Set(); // jobs that ended without a result (failed, expired)
    let transfersByBlock = new Map();
    const unsubscribe = await api.rpc.chain.subscribeFinalizedHeads(async (header) => {
      const number = header.number.toNumber();
      const events = await (await api.at(header.hash)).query.system.events();
      for (const { event } of events) {
        if (api.events.inference.JobRequested.is(event)) requested.set(event.data.job.toNumber(), number);
        if (api.events.inference.JobCompleted.is(event)) completed.set(event.data.job.toNumber(), number);
        if (api.events.inference.JobFailed.is(event) || api.events.inference.JobExpired.is(event)) ended.add(event.data.job.toNumber());
        if (api.events.balances.Transfer.is(event)) transfersByBlock.set(number, (transfersByBlock.get(number) || 0) + 1);
      }
    });

    const input = [{ shape: [1, 64], data: "0x" + Buffer.from(PIXELS).toString("hex") }];
    let nonce = (await api.rpc.system.accountNextIndex(ferdie.address)).toNumber();
    const phases = [];
    for (const rate of RATES) {
      const jobs = [];
      const from = (await api.rpc.chain.getHeader()).number.toNumber() + 1;
      for (let block = 0; block < PHASE_BLOCKS; block++) {
        const sends = [];
        for (let left = rate; left > 0; left -= BULK) {
          const count = Math.min(BULK, left);
          const tx = api.tx.inference.requestBatch(MODEL, null, Array(count).fill(input), "Vanilla", UNIT.toString(), 10);
          sends.push(tx.signAndSend(ferdie, { nonce: nonce++ }).then(() => jobs.push(count)).catch(() => {}));
        }
        await Promise.all(sends);
        await waitBlocks(api, 1);
      }
      phases.push({ rate, sent: jobs.reduce((sum, count) => sum + count, 0), from });
    }
    // Let the last jobs finish and finalize (bounded).
    await waitBlocks(api, 8);
    const open = [...requested.keys()].filter((id) => !completed.has(id) && !ended.has(id)).length;

    // Each job belongs to the phase during whose blocks it was requested.
    const rows = [];
    for (const [i, phase] of phases.entries()) {
      const until = i + 1 < phases.length ? phases[i + 1].from : Infinity;
      const ids = [...requested.entries()].filter(([, block]) => block >= phase.from && block < until).map(([id]) => id);
      const latencies = ids.filter((id) => completed.has(id)).map((id) => completed.get(id) - requested.get(id)).sort((a, b) => a - b);
      const blocks = ids.map((id) => requested.get(id));
      const span = blocks.length ? Math.max(...blocks) - Math.min(...blocks) + 1 : PHASE_BLOCKS;
      rows.push({
        rate: phase.rate,
        sent: phase.sent,
        requested: ids.length,
        completed: latencies.length,
        perMinute: (latencies.length / (span * BLOCK_SECONDS)) * 60,
        median: percentile(latencies, 50),
        p95: percentile(latencies, 95),
      });
    }

    // Transfers: as many as the pool takes, from Ferdie to fresh accounts.
    transfersByBlock = new Map();
    const sends = [];
    for (let i = 0; i < TRANSFERS; i++) {
      const to = keyring.addFromUri(`//bench/${i}`).address;
      sends.push(api.tx.balances.transferKeepAlive(to, UNIT.toString()).signAndSend(ferdie, { nonce: nonce++ }).catch(() => {}));
    }
    await Promise.all(sends);
    await waitBlocks(api, 12);
    const counts = [...transfersByBlock.entries()].sort((a, b) => a[0] - b[0]);
    const total = counts.reduce((sum, [, n]) => sum + n, 0);
    const span = counts.length ? counts[counts.length - 1][0] - counts[0][0] + 1 : 1;
    const peak = Math.max(0, ...counts.map(([, n]) => n));
    unsubscribe();

    const lines = [
      "| jobs sent per block | sent | requested on chain | completed | jobs finalized per minute | latency median (blocks) | latency p95 (blocks) |",
      "|---|---|---|---|---|---|---|",
      ...rows.map((r) => `| ${r.rate} | ${r.sent} | ${r.requested} | ${r.completed} | ${r.perMinute.toFixed(1)} | ${r.median} | ${r.p95} |`),
      "",
      `Jobs without an outcome when the load ended (8 blocks after the last request): ${open}.`,
      "",
      `Transfers on the same network: ${total} finalized in ${span} blocks, ${(total / (span * BLOCK_SECONDS)).toFixed(1)} per second sustained, ${(peak / BLOCK_SECONDS).toFixed(1)} per second in the fullest block (${peak}).`,
    ];
    console.log(lines.join("\n"));
    if (process.env.VERIN_BENCH_OUT) fs.writeFileSync(process.env.VERIN_BENCH_OUT, lines.join("\n") + "\n");
    return 1;
  } catch (error) {
    console.error(`bench.js: ${error.message}`);
    return 0;
  } finally {
    await api.disconnect();
  }
}

module.exports = { run };
