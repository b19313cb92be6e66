/**
 * The transport-independent half of the contract: a dispatcher that checks
 * every message against common/contract.ts before a handler sees it, the
 * reply envelope every transport carries, and the typed client API that the
 * preload and the browser bridge both implement.
 */
import type { z } from 'zod';
import {
  events,
  requests,
  type EventName,
  type EventPayload,
  type RequestInput,
  type RequestName,
  type RequestOutput,
} from './contract';
import { errorMessage, Withdrawn } from './errors';
import { issueWords } from './issue-words';

export type RpcErrorCode = 'invalid_message' | 'unknown_method' | 'invalid_input' | 'invalid_output' | 'handler_failed' | 'unavailable' | 'timeout' | 'withdrawn';

export interface RpcErrorBody {
  code: RpcErrorCode;
  message: string;
  method?: string;
  /** Where in the input the schema failed, for invalid_input. */
  issues?: { path: string; message: string }[];
}

export type Reply<T = unknown> = { ok: true; value: T } | { ok: false; error: RpcErrorBody };

/** An error with a code, thrown by clients when a reply says ok: false. */
export class RpcError extends Error {
  readonly code: RpcErrorCode;
  readonly issues?: RpcErrorBody['issues'];
  constructor(body: RpcErrorBody) {
    super(body.message);
    this.name = 'RpcError';
    this.code = body.code;
    this.issues = body.issues;
  }
}

/**
 * Which files and folders a request may name, set by the transport, never by the request:
 * 'everywhere' for the desktop app and the CLI, acting for their own user; for the browser
 * bridge, the data folder and `roots`, the folders the user chose in that session.
 */
export type PathAccess = 'everywhere' | { roots: string[] };

export interface RequestContext {
  /** Send an event to whoever is listening (all windows / bridge clients). */
  emit<K extends EventName>(event: K, payload: EventPayload<K>): void;
  /** The paths this request may name (electron/engine/access.ts); absent: 'everywhere'. */
  access?: PathAccess;
}

export type Handler<K extends RequestName> = (input: z.output<(typeof requests)[K]['input']>, ctx: RequestContext) => Promise<RequestOutput<K>> | RequestOutput<K>;
export type Handlers = { [K in RequestName]: Handler<K> };

export function isRequestName(name: unknown): name is RequestName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(requests, name);
}

/**
 * A key the sender wrote could be anything, a patient's ID or name pasted in the wrong place
 * included, and the refusal goes into the engine's log. So an unknown key is repeated only when
 * it is a field name the contract takes somewhere (compared without case): a field sent to the
 * wrong request, or spelt in another case, which is the mistake worth naming.
 */
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9]{0,39}$/;
let contractFields: Set<string> | undefined;

/** Every object key in every request's input schema, lower-cased, read once from the schemas themselves. */
function contractFieldNames(): Set<string> {
  if (contractFields) return contractFields;
  const names = new Set<string>();
  const seen = new Set<object>();
  const visit = (value: unknown): void => {
    if (value === null || typeof value !== 'object' || seen.has(value)) return;
    seen.add(value);
    if (Array.isArray(value)) return value.forEach(visit);
    const def = (value as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
    if (!def) return;
    if (def.type === 'object' && def.shape && typeof def.shape === 'object') {
      for (const [key, field] of Object.entries(def.shape)) {
        names.add(key.toLowerCase());
        visit(field);
      }
    }
    if (def.type === 'lazy' && typeof def.getter === 'function') visit((def.getter as () => unknown)());
    for (const [key, part] of Object.entries(def)) if (key !== 'shape') visit(part);
  };
  for (const request of Object.values(requests)) visit(request.input);
  return (contractFields = names);
}

function issueMessage(issue: z.core.$ZodIssue, input: unknown): string {
  if (issue.code !== 'unrecognized_keys') return issueWords(issue, input);
  const known = contractFieldNames();
  const named = issue.keys.filter((k) => FIELD_NAME.test(k) && known.has(k.toLowerCase()));
  const others = issue.keys.length - named.length;
  const names = named.map((k) => `"${k}"`).join(', ');
  return `a field this request does not take: ${names}${named.length && others ? ' and ' : ''}${others ? `${others} other${others > 1 ? 's' : ''} not shown` : ''}`;
}

function formatIssues(error: z.ZodError, input: unknown): { path: string; message: string }[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.') || '(root)', message: issueMessage(issue, input) }));
}

/**
 * A refused request as a log line: an unknown name is not repeated (it is whatever the
 * sender wrote, e.g. a patient's name pasted in the wrong place); schema issues name
 * fields, never their values.
 */
export function rejectionForLog(error: RpcErrorBody): string {
  return error.code === 'unknown_method' ? 'unknown request name' : error.message;
}

/** Check a request against the contract without running anything. */
export function validateRequest(method: unknown, input: unknown): Reply<{ method: RequestName; input: unknown }> {
  if (!isRequestName(method)) {
    const message = typeof method === 'string' ? `Unknown request "${method.slice(0, 80)}".` : 'A request without a name: its "method" must be the name of a request, as text.';
    return { ok: false, error: { code: 'unknown_method', message, method: typeof method === 'string' ? method.slice(0, 80) : undefined } };
  }
  const parsed = requests[method].input.safeParse(input ?? {});
  if (!parsed.success) {
    const issues = formatIssues(parsed.error, input ?? {});
    return {
      ok: false,
      error: {
        code: 'invalid_input',
        method,
        message: `Invalid input for "${method}": ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
        issues,
      },
    };
  }
  return { ok: true, value: { method, input: parsed.data } };
}

/**
 * Turn a partial set of handlers into one function every transport calls.
 * Unknown methods, bad input, handler exceptions and bad output all come back
 * as `{ ok: false, error }`; nothing throws past this point.
 */
export function createDispatcher(handlers: Partial<Handlers>, log: (line: string) => void = () => {}) {
  return async function dispatch(method: unknown, input: unknown, ctx: RequestContext): Promise<Reply> {
    const checked = validateRequest(method, input);
    if (!checked.ok) {
      log(`rejected request: ${rejectionForLog(checked.error)}`);
      return checked;
    }
    const name = checked.value.method;
    const handler = handlers[name] as ((input: unknown, ctx: RequestContext) => unknown) | undefined;
    if (!handler) {
      return { ok: false, error: { code: 'unavailable', method: name, message: `"${name}" is not available here.` } };
    }
    let value: unknown;
    try {
      value = await handler(checked.value.input, ctx);
    } catch (err) {
      const message = errorMessage(err);
      if (err instanceof Withdrawn) return { ok: false, error: { code: 'withdrawn', method: name, message } };
      log(`request ${name} failed: ${message}`);
      return { ok: false, error: { code: 'handler_failed', method: name, message } };
    }
    const out = requests[name].output.safeParse(value);
    if (!out.success) {
      const issues = formatIssues(out.error, value);
      log(`request ${name} produced invalid output: ${JSON.stringify(issues)}`);
      return { ok: false, error: { code: 'invalid_output', method: name, message: `The app produced an invalid reply for "${name}" (a bug): ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues } };
    }
    return { ok: true, value: out.data };
  };
}

export type Dispatch = ReturnType<typeof createDispatcher>;

/** Validate an event payload before it is sent; a bad one is a bug, reported, not sent. */
export function validateEvent(event: unknown, payload: unknown): Reply<{ event: EventName; payload: unknown }> {
  if (typeof event !== 'string' || !Object.prototype.hasOwnProperty.call(events, event)) {
    return { ok: false, error: { code: 'unknown_method', message: `Unknown event "${String(event).slice(0, 80)}".` } };
  }
  const parsed = events[event as EventName].safeParse(payload);
  if (!parsed.success) {
    return { ok: false, error: { code: 'invalid_message', message: `Invalid payload for event "${event}".`, issues: formatIssues(parsed.error, payload) } };
  }
  return { ok: true, value: { event: event as EventName, payload: parsed.data } };
}

/** What the renderer sees as `window.lumen`, in Electron and in the browser alike. */
export interface LumenApi {
  /** Which shell carries the contract. */
  readonly shell: 'electron' | 'browser';
  invoke<K extends RequestName>(method: K, input: RequestInput<K>): Promise<RequestOutput<K>>;
  on<K extends EventName>(event: K, listener: (payload: EventPayload<K>) => void): () => void;
  /** The file-system path of a dropped file; only the desktop app can know it (undefined in a browser). */
  pathForFile?(file: Blob): string;
}

/** Unwrap a reply or throw the typed error it carries. */
export function unwrap<T>(reply: Reply<T>): T {
  if (reply.ok) return reply.value;
  throw new RpcError(reply.error);
}

/** Structural check of a reply received over a wire we do not trust completely. */
export function isReply(value: unknown): value is Reply {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  if (v.ok === true) return 'value' in v;
  if (v.ok === false) return !!v.error && typeof (v.error as Record<string, unknown>).message === 'string';
  return false;
}
