// zod emits JSON Schema for OpenAPI 3.0; the API server wants a *structural* schema
// (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#specifying-a-structural-schema).
// This turns one into the other and insists on a description everywhere, because descriptions
// are what `kubectl explain` prints.
import { z } from 'zod';

export type JSONSchema = { [key: string]: unknown };

const safeIntegerBound = Number.MAX_SAFE_INTEGER;

export function toStructuralSchema(schema: z.ZodType): JSONSchema {
  const raw = z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'throw' }) as JSONSchema;
  delete raw.$schema;
  return structural(raw, '');
}

function structural(node: JSONSchema, path: string): JSONSchema {
  const out: JSONSchema = { ...node };
  if (out['x-kubernetes-int-or-string'] === true) return intOrString(out);
  // zod spells "any integer" as the safe-integer range; Kubernetes integers are int64 already.
  if (out.minimum === -safeIntegerBound) delete out.minimum;
  if (out.maximum === safeIntegerBound) delete out.maximum;
  if (out.anyOf || out.oneOf || out.allOf) throw new Error(`${path || '<root>'}: unions have no structural form; use an enum or CEL rule`);
  if (out.additionalProperties === false) delete out.additionalProperties;
  if (isSchema(out.properties)) {
    const properties: JSONSchema = {};
    for (const [name, child] of Object.entries(out.properties)) {
      const childPath = `${path}.${name}`;
      if (!isSchema(child) || typeof child.description !== 'string' || child.description.length === 0) {
        throw new Error(`${childPath}: every field needs a description (kubectl explain prints it)`);
      }
      properties[name] = structural(child, childPath);
    }
    out.properties = properties;
  }
  if (isSchema(out.additionalProperties)) out.additionalProperties = structural(out.additionalProperties, `${path}[*]`);
  if (isSchema(out.items)) out.items = structural(out.items, `${path}[]`);
  return out;
}

/** The form controller-gen writes for resource.Quantity: anyOf int/string with the pattern outside. */
function intOrString(node: JSONSchema): JSONSchema {
  const branches = Array.isArray(node.anyOf) ? (node.anyOf as JSONSchema[]) : [];
  const pattern = branches.find((branch) => typeof branch.pattern === 'string')?.pattern;
  return {
    anyOf: [{ type: 'integer' }, { type: 'string' }],
    ...(pattern === undefined ? {} : { pattern }),
    description: node.description,
    'x-kubernetes-int-or-string': true,
  };
}

export const isSchema = (value: unknown): value is JSONSchema => typeof value === 'object' && value !== null && !Array.isArray(value);
