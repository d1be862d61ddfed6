// Counts the distinct Aura authors of the best chain's blocks so far, as seen from one node.
// Aura writes the slot into each header's pre-runtime digest; the author is the authority
// at index `slot % authorities.len()`. Used by two-validators.zndsl.
async function run(nodeName, networkInfo) {
  const { wsUri, userDefinedTypes } = networkInfo.nodesByName[nodeName];
  const api = await zombie.connect(wsUri, userDefinedTypes);
  try {
    const authorities = await api.query.aura.authorities();
    const best = (await api.rpc.chain.getHeader()).number.toNumber();
    const authors = new Set();
    for (let n = 1; n <= best; n++) {
      const hash = await api.rpc.chain.getBlockHash(n);
      const header = await api.rpc.chain.getHeader(hash);
      for (const log of header.digest.logs) {
        if (log.isPreRuntime && log.asPreRuntime[0].toString() === "aura") {
          const slot = api.createType("u64", log.asPreRuntime[1]).toBigInt();
          authors.add(Number(slot % BigInt(authorities.length)));
        }
      }
    }
    console.log(`${nodeName}: ${authors.size} distinct authors in blocks 1..${best}`);
    return authors.size;
  } finally {
    await api.disconnect();
  }
}

module.exports = { run };
