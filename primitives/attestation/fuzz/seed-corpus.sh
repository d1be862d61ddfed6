#!/usr/bin/env bash
# Seeds the fuzz corpora with the real AWS document of the tests and its certificate chain.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/verify_document corpus/verify_chain
base64 -d ../tests/vectors/nitro-2025-09-09.b64 > corpus/verify_document/real-nitro
cp ../tests/vectors/nitro-2025-09-09-chain.der corpus/verify_chain/real-nitro-chain
