/**
 * The profile of the state bench (bench/state.ts), shared by both sides: auto_explain loaded in a
 * session, every planned statement's plan sent back to the client as a notice, with its executor time
 * and its triggers' times (utility statements such as BEGIN and COMMIT are not planned: not in it).
 */

/** The statements that turn auto_explain on in a session, one at a time. */
export const AUTO_EXPLAIN = [
  "LOAD 'auto_explain'",
  "SET auto_explain.log_min_duration = 0",
  "SET auto_explain.log_analyze = on",
  "SET auto_explain.log_triggers = on",
  "SET auto_explain.log_nested_statements = off",
  "SET auto_explain.log_format = json",
  "SET auto_explain.log_level = notice",
] as const;

/** One statement as auto_explain saw it. */
export interface Explained {
  /** The executor time, ms. */
  readonly ms: number;
  /** The time spent in triggers, ms. */
  readonly triggerMs: number;
  /** The start of its text, up to its first parenthesis. */
  readonly query: string;
  /** How it reads its rows: the scans of its plan (node type and index or relation). */
  readonly scans: string;
}

interface PlanNode {
  "Node Type": string;
  "Index Name"?: string;
  "Relation Name"?: string;
  Plans?: PlanNode[];
}

/** The statement of an auto_explain notice (`duration: 0.036 ms  plan:\n{...}`), or undefined for another notice. */
export function explainedPlan(message: string): Explained | undefined {
  const match = /^duration: ([\d.]+) ms\s+plan:\s*([\s\S]*)$/.exec(message);
  if (!match) return undefined;
  const plan = JSON.parse(match[2]!) as {
    "Query Text": string;
    Plan: PlanNode;
    Triggers?: { Time: number }[];
  };
  const scans: string[] = [];
  const walk = (node: PlanNode) => {
    if (/Scan|Sort/.test(node["Node Type"]))
      scans.push(`${node["Node Type"]} ${node["Index Name"] ?? node["Relation Name"] ?? ""}`.trim());
    node.Plans?.forEach(walk);
  };
  walk(plan.Plan);
  return {
    ms: Number(match[1]),
    triggerMs: (plan.Triggers ?? []).reduce((sum, t) => sum + t.Time, 0),
    query: plan["Query Text"].replace(/\s+/g, " ").split("(")[0]!.trim(),
    scans: scans.join(", "),
  };
}

/**
 * {@link explainedPlan}, parsed when first read: the notice is only kept while the client's CPU time is
 * measured, so that parsing the plans is not counted in it.
 */
export function explainedLater(message: string): Explained | undefined {
  if (!message.startsWith("duration: ")) return undefined;
  let plan: Explained | undefined;
  const read = (): Explained => (plan ??= explainedPlan(message)!);
  return {
    get ms() {
      return read().ms;
    },
    get triggerMs() {
      return read().triggerMs;
    },
    get query() {
      return read().query;
    },
    get scans() {
      return read().scans;
    },
  };
}
