#!/usr/bin/env bash
# The main job: a single-node Kapstan cluster (`kapstan up -d`: managed etcd,
# apiserver, controllers, scheduler and a local agent) with the example app
# from manifests/examples/web.yaml running in real containers.
# Stop it with:  ./bin/kapstan down
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run build --silent
./bin/kapstan up -d -f manifests/examples/web.yaml
for _ in $(seq 1 100); do
  if ./bin/kctl get pods -l app=web -o jsonpath='{.items[*].status.phase}' 2>/dev/null | grep -q '^Running Running$'; then break; fi
  sleep 0.2
done
./bin/kctl get deployments,replicasets,pods,services -o wide
echo
cluster_ip=$(./bin/kctl get service web -o jsonpath='{.spec.clusterIP}')
echo "curl http://$cluster_ip/  (the Service's virtual IP, programmed with nftables on this node):"
curl -s --max-time 5 "http://$cluster_ip/" || echo "(no answer yet)"
echo
echo "Kapstan is up (context \"kapstan\" in your kubeconfig). Try: kubectl get all"
echo "Stop it with: ./bin/kapstan down"
