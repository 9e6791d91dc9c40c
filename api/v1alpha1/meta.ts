// Building blocks shared by the six kinds. Every field carries a description because that text is
// what `kubectl explain` prints; CEL rules carry messages because they are what a refused
// `kubectl apply` prints.
import { z } from 'zod';
import { e164OrShortCodePattern } from './number-format.ts';

export const group = 'telecom.switchyard.dev';
export const version = 'v1alpha1';
export const apiVersion = `${group}/${version}`;

/** A CEL rule evaluated by the API server at admission (`x-kubernetes-validations`). */
export interface ValidationRule {
  rule: string;
  message: string;
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

export const validations = (...rules: ValidationRule[]) => ({ 'x-kubernetes-validations': rules });

const immutable = (what: string): ValidationRule => ({ rule: 'self == oldSelf', message: `${what} is immutable; delete and re-create the object to change it` });

const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export const objectName = (description: string) =>
  z.string().min(1).max(253).regex(dns1123Subdomain).describe(description);

export const localObjectReference = (what: string) =>
  z.object({ name: objectName(`Name of the ${what} in the same namespace.`) }).describe(`Reference to the ${what} in the same namespace.`);

export const carrierRef = () =>
  localObjectReference('Carrier').describe('The Carrier this object belongs to, in the same namespace. Immutable.').meta(validations(immutable('carrierRef')));

export const secretKeySelector = (what: string, defaultKey: string) =>
  z
    .object({
      name: objectName('Name of the Secret in the same namespace.'),
      key: z.string().min(1).max(253).regex(/^[-._a-zA-Z0-9]+$/).default(defaultKey).describe(`Key within the Secret. Defaults to "${defaultKey}".`),
    })
    .describe(`Secret key holding ${what}.`);

/**
 * A Secret holding a digest credential's two HA1 hashes instead of its password, as Bandwidth takes
 * SIP credentials: hash1 = MD5(username:realm:password), hash1b = MD5(username@realm:realm:password).
 */
export const hashesSecretRef = (realm: string) =>
  z
    .object({ name: objectName('Name of the Secret in the same namespace.') })
    .describe(`Secret with keys hash1 and hash1b (32 hex digits each) instead of a password: hash1 = MD5(username:realm:password), hash1b = MD5(username@realm:realm:password), where realm is ${realm}. The password then never reaches the cluster.`);

/** Exactly one of a credential's password and its precomputed hashes. */
export const passwordOrHashes = validations({ rule: 'has(self.passwordSecretRef) != has(self.hashesSecretRef)', message: 'set exactly one of passwordSecretRef and hashesSecretRef', fieldPath: '.passwordSecretRef', reason: 'FieldValueInvalid' });

/** An IPv4/IPv6 address or CIDR; checked by the API server's CEL ip/cidr library (Kubernetes 1.31+). */
export const ipOrCIDR = () =>
  z
    .string()
    .max(64)
    .describe('An IPv4 or IPv6 address (203.0.113.7, 2001:db8::7) or a CIDR (203.0.113.0/24, 2001:db8::/48).')
    .meta(
      validations(
        { rule: 'isIP(self) || isCIDR(self)', message: 'must be an IPv4/IPv6 address or a CIDR such as 203.0.113.0/24' },
        { rule: '!isCIDR(self) || cidr(self) == cidr(self).masked()', message: 'CIDR must name its network address (host bits zero), e.g. 203.0.113.0/24 rather than 203.0.113.7/24' },
      ),
    );

export const ipOrCIDRList = (description: string) => z.array(ipOrCIDR()).max(256).describe(description);

const fqdnPattern = String.raw`^([a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?\.)*[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?\.?$`;

export const hostOrIP = (description: string) =>
  z
    .string()
    .min(1)
    .max(253)
    .describe(description)
    .meta(validations({ rule: `isIP(self) || self.matches(r'${fqdnPattern}')`, message: 'must be a fully qualified domain name (sip.example.com) or an IPv4/IPv6 address' }));

export const port = (description: string) => z.number().int().min(1).max(65535).describe(description);

export const portWithDefault = (description: string, defaultPort: number) => z.number().int().min(1).max(65535).default(defaultPort).describe(description);

export { e164OrShortCodePattern } from './number-format.ts';

export const phoneNumber = () =>
  z
    .string()
    .max(16)
    .describe('The number in E.164 form with a leading "+" (e.g. +85512345678), or a short code of 3 to 8 digits (e.g. 1234). Immutable.')
    .meta(
      validations(
        { rule: `self.matches(r'${e164OrShortCodePattern}')`, message: 'must be an E.164 number like +85512345678 (a "+", country code, up to 15 digits) or a short code of 3 to 8 digits like 1234' },
        immutable('number'),
      ),
    );

export const httpURL = (description: string) =>
  z
    .string()
    .max(2048)
    .describe(description)
    .meta(validations({ rule: String.raw`self.matches(r'^https?://[^\s/$.?#][^\s]*$')`, message: 'must be an absolute http:// or https:// URL' }));

export const httpMethod = (what: string) => z.enum(['POST', 'GET']).default('POST').describe(`HTTP method for the ${what}. Defaults to POST.`);

export const enabled = (what: string) => z.boolean().default(true).describe(`Whether ${what} takes part in routing. Defaults to true; false keeps the object but takes it out of service.`);

/** Resource quantities take ints or strings ("1", 1, "500m", "256Mi"), as in Pod specs. */
const quantityPattern = String.raw`^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$`;
export const quantity = () =>
  z
    .union([z.number().int(), z.string().regex(new RegExp(quantityPattern))])
    .describe('A Kubernetes resource quantity such as 500m, 1, 256Mi or 2Gi.')
    .meta({ 'x-kubernetes-int-or-string': true });

const resourceList = (what: string) =>
  z.object({ cpu: quantity().optional(), memory: quantity().optional() }).describe(`${what} of CPU and memory.`);

export const resourceRequirements = (what: string) =>
  z
    .object({
      requests: resourceList('Minimum amounts the scheduler reserves').optional(),
      limits: resourceList('Maximum amounts the container may use').optional(),
    })
    .describe(`Compute resources for each ${what} container.`);

export const conditionSchema = z
  .object({
    type: z.string().max(316).describe('Type of the condition: Ready, Accepted, ResolvedRefs, Conflict, on a Carrier Programmed, PushCredentialsValid, SipTlsCertificateValid and EventWebhookDelivering, on an OutboundTrunk with a health check Reachable.'),
    status: z.enum(['True', 'False', 'Unknown']).describe('Status of the condition: True, False or Unknown.'),
    reason: z.string().min(1).max(1024).regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/).describe('A CamelCase word saying why the condition is in its status, e.g. AccountNotFound.'),
    message: z.string().max(32768).describe('A human-readable explanation, naming the objects involved.'),
    lastTransitionTime: z.string().meta({ format: 'date-time' }).describe('When the status last changed.'),
    observedGeneration: z.number().int().min(0).optional().describe('The .metadata.generation that the condition was set for.'),
  })
  .describe('One aspect of the object\'s state, as in metav1.Condition.');

export const conditions = () =>
  z
    .array(conditionSchema)
    .max(8)
    .describe('The latest observations of the object\'s state, one per condition type.')
    .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] });

export const observedGeneration = () =>
  z.number().int().min(0).describe('The .metadata.generation the operator last acted on.');

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
}

const readyColumn: PrinterColumn = { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status', description: 'Whether the object is in service.' };
const ageColumn: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };
const reasonColumn: PrinterColumn = { name: 'Reason', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].reason', priority: 1 };
export const trailingColumns = [readyColumn, ageColumn, reasonColumn];

/** Everything the generator needs to write one CRD; the zod schemas are the single definition. */
export interface KindDefinition<Spec extends z.ZodType = z.ZodType, Status extends z.ZodType = z.ZodType> {
  kind: string;
  plural: string;
  shortNames: string[];
  description: string;
  spec: Spec;
  status: Status;
  printerColumns: PrinterColumn[];
}

export const categories = ['telecom', 'switchyard'];

export const defineKind = <Spec extends z.ZodType, Status extends z.ZodType>(definition: KindDefinition<Spec, Status>) => definition;
