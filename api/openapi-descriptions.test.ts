import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DESCRIPTIONS, describedSchema } from './openapi-descriptions';
import { DEFINITIONS } from './schemas';
import { openapiV3Document } from './openapi';
import { openapiV2Document } from './openapi-v2';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const STRATEGY = 'io.k8s.api.apps.v1.DeploymentStrategy';

test('every described type and field exists in the schemas', () => {
  for (const [name, words] of Object.entries(DESCRIPTIONS)) {
    const schema = DEFINITIONS[name];
    assert.ok(schema, `${name} is a definition`);
    for (const field of Object.keys(words)) {
      if (field) assert.ok((schema.properties as Any)?.[field], `${name}.${field} is a field`);
    }
  }
});

test('a described schema keeps its shape and gains words; kinds get the common fields', () => {
  const s = describedSchema(STRATEGY, DEFINITIONS[STRATEGY]);
  assert.match(String(s.description), /replace existing pods/);
  assert.deepEqual((s.properties as Any).type.enum, ['Recreate', 'RollingUpdate']);
  assert.match((s.properties as Any).type.description, /Recreate/);
  assert.equal(DEFINITIONS[STRATEGY].description, undefined, 'the validation schema is not changed');
  const pod = describedSchema('io.k8s.api.core.v1.Pod', DEFINITIONS['io.k8s.api.core.v1.Pod']);
  assert.match((pod.properties as Any).apiVersion.description, /versioned schema/);
});

test('v3 wraps a described reference in allOf; v2 keeps the description beside $ref', () => {
  const v3 = openapiV3Document('apis/apps/v1') as Any;
  const strategy = v3.components.schemas['io.k8s.api.apps.v1.DeploymentSpec'].properties.strategy;
  assert.deepEqual(strategy.allOf, [{ $ref: `#/components/schemas/${STRATEGY}` }]);
  assert.match(strategy.description, /replaced/);
  const v2 = openapiV2Document().definitions['io.k8s.api.apps.v1.DeploymentSpec'] as Any;
  assert.equal(v2.properties.strategy.$ref, `#/definitions/${STRATEGY}`);
  assert.match(v2.properties.strategy.description, /replaced/);
});
