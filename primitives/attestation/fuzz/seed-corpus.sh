#!/usr/bin/env bash
# Seeds the fuzz corpus with the real AWS document of the tests.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/verify_document
base64 -d ../tests/vectors/nitro-2025-09-09.b64 > corpus/verify_document/real-nitro
