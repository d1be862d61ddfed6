// The inference market across the network of network.toml, as a dapp and a worker operator
// would drive it: the `verin` CLI (VERIN_CLI, set by zombienet/run.sh) for deployment and
// registration, @polkadot/api for requests and reads. Each step is one call from
// network.zndsl:  js-script ./market.js with "<step>[,<args>]"  and returns 1 when it held.
const { execFileSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");
const { Keyring } = require("@polkadot/keyring");
const { cryptoWaitReady } = require("@polkadot/util-crypto");

const REPO = path.resolve(__dirname, "..");
const MODEL_NAME = "network-cnn";
const REFERENCE = JSON.parse(fs.readFileSync(path.join(REPO, "scripts/models/expected/digits-cnn-int8.json"), "utf8"));
const PIXELS = REFERENCE.input.data.slice(0, 64);
const EXPECTED = REFERENCE.output.data.slice(0, 10);
const STAKE_VRN = 100n;
const UNIT = 1_000_000_000_000n;
// Worker answers land within a few blocks; a deadline this short keeps reassignment quick.
const RESPONSE_BLOCKS = 3;

function verin(wsUri, args) {
  const cli = process.env.VERIN_CLI;
  if (!cli) throw new Error("VERIN_CLI is not set: run the network through zombienet/run.sh");
  try {
    return execFileSync(cli, ["--url", wsUri, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    throw new Error(`verin ${args.join(" ")} failed: ${error.stderr || error.message}`);
  }
}

function field(output, prefix) {
  const line = output.split("\n").find((l) => l.startsWith(prefix));
  if (!line) throw new Error(`no "${prefix}" in:\n${output}`);
  return line.slice(prefix.length).trim();
}

// The worker keys each inference node holds (network.toml): Eve's node also holds //One,
// so that an Optimistic job has a committee besides its worker and one challenger.
const NODE_KEYS = { dave: ["dave"], eve: ["eve", "one"] };

async function keys() {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: "sr25519", ss58Format: 42 });
  const uri = (name) => keyring.addFromUri(`//${name[0].toUpperCase()}${name.slice(1)}`);
  return { ferdie: uri("ferdie"), address: (name) => uri(name).address };
}

function modelId(wsUri) {
  return Number(field(verin(wsUri, ["model", "show", MODEL_NAME]), "model").split(":")[0]);
}

async function withApi(wsUri, networkInfo, nodeName, body) {
  const api = await zombie.connect(wsUri, networkInfo.nodesByName[nodeName].userDefinedTypes);
  try {
    return await body(api);
  } finally {
    await api.disconnect();
  }
}

// Signs and sends `tx`, resolves with the events once it is in a block (throws if it failed).
function inBlock(api, tx, signer) {
  return new Promise((resolve, reject) => {
    tx.signAndSend(signer, { nonce: -1 }, ({ status, events, dispatchError }) => {
      if (dispatchError) {
        const detail = dispatchError.isModule ? api.registry.findMetaError(dispatchError.asModule) : null;
        reject(new Error(`dispatch failed: ${detail ? `${detail.section}.${detail.name}` : dispatchError.toString()}`));
      } else if (status.isInBlock) {
        resolve(events);
      }
    }).catch(reject);
  });
}

async function request(api, model, signer, tier = "Vanilla") {
  const input = [{ shape: [1, 1, 8, 8], data: "0x" + Buffer.from(PIXELS.map((p) => p & 0xff)).toString("hex") }];
  const tx = api.tx.inference.request(model, null, input, tier, (UNIT).toString(), RESPONSE_BLOCKS);
  const events = await inBlock(api, tx, signer);
  const requested = events.find(({ event }) => api.events.inference.JobRequested.is(event));
  if (!requested) throw new Error("no JobRequested event");
  return requested.event.data.job.toNumber();
}

async function job(api, id) {
  const record = await api.query.inference.jobs(id);
  if (record.isNone) throw new Error(`job ${id} is gone`);
  return record.unwrap();
}

function workerOf(status) {
  const variant = status.type;
  const body = status[`as${variant}`];
  return body && body.worker ? body.worker.toString() : null;
}

async function waitUntil(what, check, seconds) {
  const until = Date.now() + seconds * 1000;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

// Small outputs are kept inline as their SCALE encoding, of the type the request call takes.
async function outputScores(api, record) {
  const stored = record.output.unwrap();
  if (!stored.isInline) throw new Error(`the output is kept by content: ${stored.asIndexed.hash.toHex()}`);
  const payloadType = api.tx.inference.request.meta.args.find((arg) => arg.name.toString() === "input").type.toString();
  const tensor = api.createType(payloadType, stored.asInline.toU8a(true))[0];
  const bytes = Buffer.from(tensor.data.toU8a(true));
  const scores = [];
  for (let i = 0; i < bytes.length; i += 4) scores.push(bytes.readInt32LE(i));
  return scores;
}

const steps = {
  // Deploys the integer CNN through this node (Ferdie owns it); Dave, Eve and One register as
  // its workers at the Vanilla and Optimistic tiers.
  async deploy(wsUri) {
    const model = path.join(REPO, "scripts/models/digits-cnn-int8.onnx");
    verin(wsUri, ["model", "deploy", model, "--name", MODEL_NAME, "--tiers", "vanilla,optimistic", "--price", "0.002", "--suri", "//Ferdie"]);
    for (const worker of ["//Dave", "//Eve", "//One"]) {
      verin(wsUri, ["worker", "register", "--stake", STAKE_VRN.toString(), "--models", MODEL_NAME, "--tiers", "vanilla,optimistic", "--suri", worker]);
    }
    console.log(`deployed ${MODEL_NAME} as model ${modelId(wsUri)}; Dave, Eve and One serve it`);
    return 1;
  },

  // The lying node's worker (//Two) registers at the Optimistic tier; Optimistic requests
  // until it holds one; that job must be overturned with the right output, //Two slashed.
  async "optimistic-liar"(wsUri, networkInfo, nodeName) {
    verin(wsUri, ["worker", "register", "--stake", STAKE_VRN.toString(), "--models", MODEL_NAME, "--tiers", "vanilla,optimistic", "--suri", "//Two"]);
    const { ferdie, address } = await keys();
    const liar = address("two");
    const model = modelId(wsUri);
    return withApi(wsUri, networkInfo, nodeName, async (api) => {
      let target = null;
      for (let i = 0; i < 12 && target === null; i++) {
        const id = await request(api, model, ferdie, "Optimistic");
        if (workerOf((await job(api, id)).status) === liar) target = id;
      }
      if (target === null) throw new Error("the lying worker was assigned none of 12 jobs");
      const record = await waitUntil(`job ${target} to end`, async () => {
        const r = await job(api, target);
        return r.status.isOverturned || r.status.isCompleted || r.status.isUnresolved ? r : null;
      }, 240);
      if (!record.status.isOverturned) throw new Error(`the lie ended as ${record.status.toString()}`);
      const scores = await outputScores(api, record);
      if (JSON.stringify(scores) !== JSON.stringify(EXPECTED)) throw new Error(`overturned output ${scores}`);
      const info = (await api.query.workers.registered(liar)).unwrap();
      if (info.stake.toBigInt() >= STAKE_VRN * UNIT) throw new Error("the liar lost no stake");
      if (info.online.isTrue) throw new Error("the liar is still online");
      const at = record.status.asOverturned.at.toNumber();
      console.log(`job ${target}: requested #${record.requestedAt}, overturned #${at}; the liar holds ${info.stake.toBigInt() / UNIT} VRN`);
      return 1;
    });
  },

  // A job through this node's RPC, answered by a worker with onnxruntime's output.
  async infer(wsUri) {
    const { address } = await keys();
    const input = path.join(os.tmpdir(), `verin-network-${process.pid}.json`);
    fs.writeFileSync(input, JSON.stringify(PIXELS));
    const out = verin(wsUri, ["infer", "--model", MODEL_NAME, "--input", input, "--wait", "--suri", "//Ferdie"]);
    const output = field(out, "output:");
    const status = field(out, "status:");
    const worker = status.split(" by ").pop();
    const expected = JSON.stringify({ scores: [EXPECTED] });
    if (output !== expected) throw new Error(`output ${output}, expected ${expected}`);
    const names = ["dave", "eve", "one"];
    const name = names.find((n) => address(n) === worker);
    if (!name) throw new Error(`answered by ${worker}`);
    console.log(`job answered by ${name}: ${status}`);
    return 1;
  },

  // `stopped` is paused: requests until one is assigned to it; that job must complete on
  // `other` after the deadline, and the stopped worker lose the miss penalty.
  async reassign(wsUri, networkInfo, nodeName, stopped, other) {
    const { ferdie, address } = await keys();
    const model = modelId(wsUri);
    return withApi(wsUri, networkInfo, nodeName, async (api) => {
      let target = null;
      for (let i = 0; i < 12 && target === null; i++) {
        const id = await request(api, model, ferdie);
        if (workerOf((await job(api, id)).status) === address(stopped)) target = id;
      }
      if (target === null) throw new Error(`no job was assigned to ${stopped} in 12 requests`);
      const record = await waitUntil(`job ${target} to complete`, async () => {
        const r = await job(api, target);
        return r.status.isCompleted ? r : null;
      }, 180);
      if (!NODE_KEYS[other].map(address).includes(workerOf(record.status))) throw new Error(`job ${target} completed by ${workerOf(record.status)}`);
      if (record.attempts.toNumber() !== 2) throw new Error(`job ${target} took ${record.attempts} assignments`);
      const scores = await outputScores(api, record);
      if (JSON.stringify(scores) !== JSON.stringify(EXPECTED)) throw new Error(`output ${scores}`);
      const info = (await api.query.workers.registered(address(stopped))).unwrap();
      if (info.online.isTrue) throw new Error(`${stopped} is still online`);
      if (info.stake.toBigInt() >= STAKE_VRN * UNIT) throw new Error(`${stopped} lost no stake`);
      console.log(`job ${target}: ${stopped} missed it, ${other} completed it; ${stopped} holds ${info.stake.toBigInt() / UNIT} VRN, suspended`);
      return 1;
    });
  },

  // `restarted` was restarted: it answers a new job, and no job of the whole run ever got
  // a second result.
  async "after-restart"(wsUri, networkInfo, nodeName, restarted) {
    const { ferdie, address } = await keys();
    const model = modelId(wsUri);
    return withApi(wsUri, networkInfo, nodeName, async (api) => {
      const id = await request(api, model, ferdie);
      const record = await waitUntil(`job ${id} to end`, async () => {
        const r = await job(api, id);
        return r.status.isAssigned ? null : r;
      }, 120);
      if (!record.status.isCompleted || !NODE_KEYS[restarted].map(address).includes(workerOf(record.status))) {
        throw new Error(`job ${id} ended as ${record.status.toString()}`);
      }
      const best = (await api.rpc.chain.getHeader()).number.toNumber();
      const results = new Map();
      for (let n = 1; n <= best; n++) {
        const at = await api.at(await api.rpc.chain.getBlockHash(n));
        for (const { event } of await at.query.system.events()) {
          if (api.events.inference.ResultSubmitted.is(event)) {
            const job = event.data.job.toNumber();
            results.set(job, (results.get(job) || 0) + 1);
          }
        }
      }
      const twice = [...results].filter(([, count]) => count > 1);
      if (twice.length) throw new Error(`jobs with more than one result: ${JSON.stringify(twice)}`);
      console.log(`job ${id} answered by the restarted worker; ${results.size} results in blocks 1..${best}, one per job`);
      return 1;
    });
  },

  // Finality moves on by three blocks (a validator is stopped).
  async "finality-advances"(wsUri, networkInfo, nodeName) {
    return withApi(wsUri, networkInfo, nodeName, async (api) => {
      const finalized = async () => (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber();
      const start = await finalized();
      const reached = await waitUntil("finality to advance", async () => ((await finalized()) >= start + 3 ? await finalized() : null), 100);
      console.log(`finalized #${start} -> #${reached} with a validator stopped`);
      return 1;
    });
  },

  // This node's best block reaches what `leader` had finalized when the step began.
  async "caught-up"(wsUri, networkInfo, nodeName, leader) {
    const target = await withApi(networkInfo.nodesByName[leader].wsUri, networkInfo, leader, async (api) =>
      (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber(),
    );
    return withApi(wsUri, networkInfo, nodeName, async (api) => {
      const best = await waitUntil(`#${target}`, async () => {
        const n = (await api.rpc.chain.getHeader()).number.toNumber();
        return n >= target ? n : null;
      }, 100);
      console.log(`${nodeName} is at #${best}, ${leader} had finalized #${target}`);
      return 1;
    });
  },
};

async function run(nodeName, networkInfo, args) {
  const [step, ...rest] = args;
  const { wsUri } = networkInfo.nodesByName[nodeName];
  if (!steps[step]) throw new Error(`unknown step ${step}`);
  try {
    return await steps[step](wsUri, networkInfo, nodeName, ...rest);
  } catch (error) {
    console.error(`market.js ${step}: ${error.message}`);
    return 0;
  }
}

module.exports = { run, inBlock };
