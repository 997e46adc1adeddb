import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serviceRules, serviceRuleset } from './service-rules';

const svc = (name: string, spec: Record<string, unknown>) => ({ metadata: { namespace: 'default', name }, spec });
const eps = (name: string, subsets: unknown[]) => ({ metadata: { namespace: 'default', name }, subsets } as never);

test('service rules: ports matched to endpoint ports by name and protocol; headless, ExternalName and endpoint-less ports have none', () => {
  const rules = serviceRules(
    [
      svc('web', { type: 'NodePort', clusterIP: '10.96.0.10', ports: [{ name: 'http', port: 80, nodePort: 30080 }, { name: 'metrics', port: 9090 }] }),
      svc('dns', { clusterIP: '10.96.0.53', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] }),
      svc('db', { clusterIP: 'None', ports: [{ port: 5432 }] }),
      svc('ext', { type: 'ExternalName', ports: [{ port: 80 }] }),
      svc('idle', { clusterIP: '10.96.0.99', ports: [{ port: 80 }] }),
    ],
    [
      eps('web', [{ addresses: [{ ip: '10.244.1.3' }, { ip: '10.244.1.2' }], ports: [{ name: 'http', port: 8080 }, { name: 'metrics', port: 9100 }] }]),
      eps('dns', [{ addresses: [{ ip: '10.244.2.9' }], ports: [{ name: 'dns', port: 5353, protocol: 'UDP' }, { name: 'dns-tcp', port: 5354, protocol: 'TCP' }] }]),
      eps('db', [{ addresses: [{ ip: '10.244.1.7' }], ports: [{ port: 5432 }] }]),
      eps('idle', [{ notReadyAddresses: [{ ip: '10.244.1.8' }], ports: [{ port: 80 }] }]),
    ],
  );
  assert.deepEqual(rules.map((r) => [r.id, r.protocol, r.clusterIP, r.port, r.nodePort, r.backends.map((b) => `${b.ip}:${b.port}`)]), [
    ['default/dns:dns', 'udp', '10.96.0.53', 53, undefined, ['10.244.2.9:5353']],
    ['default/dns:dns-tcp', 'tcp', '10.96.0.53', 53, undefined, ['10.244.2.9:5354']],
    ['default/web:http', 'tcp', '10.96.0.10', 80, 30080, ['10.244.1.2:8080', '10.244.1.3:8080']],
    ['default/web:metrics', 'tcp', '10.96.0.10', 9090, undefined, ['10.244.1.2:9100', '10.244.1.3:9100']],
  ]);
  const script = serviceRuleset(rules, 'kaptest');
  assert.match(script, /^table ip kaptest \{\}\ndelete table ip kaptest\n/);
  assert.match(script, /numgen random mod 2 vmap/);
  assert.match(script, /tcp \. 30080 : goto nodeport-/);
  assert.doesNotMatch(script, /10\.244\.1\.7|10\.244\.1\.8/);
});
