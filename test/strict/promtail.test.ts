/**
 * promtail.yaml of the rendered stacks against the Promtail 3.6.11 configuration reference. Promtail is never run here
 * (AGPL). Its blocks are decoded strictly, but its pipeline stages are not: a misspelled stage option is dropped
 * without a word upstream, so these checks are the only place such a typo shows.
 */
import { load } from "js-yaml";
import { PROMTAIL_3_6 } from "./reference/promtail-3.6";
import { STACKS, StackName, plant, renderStack } from "./rendered";
import { Problem, validate } from "./validate";

const configs = new Map<StackName, Record<string, unknown>>();
beforeAll(() => {
  for (const stack of STACKS) configs.set(stack, load(renderStack(stack).file("promtail-config", "promtail.yaml")) as Record<string, unknown>);
});

const config = (stack: StackName = "dev") => configs.get(stack) as Record<string, any>;
const messages = (problems: Problem[]) => problems.map((p) => p.message);
/** Index of a stage in the first job's pipeline, so plants follow the pipeline if stages are reordered. */
const stageIndex = (name: string) => (config().scrape_configs[0].pipeline_stages as Record<string, unknown>[]).findIndex((s) => name in s);

describe.each(STACKS)("rendered promtail.yaml (%s)", (stack) => {
  it("has no key, type, enum or duration problem against the 3.6.11 reference", () => {
    expect(messages(validate(config(stack), PROMTAIL_3_6))).toEqual([]);
  });

  it("checks every stage of the pipeline against a described stage", () => {
    const names = (config(stack).scrape_configs[0].pipeline_stages as Record<string, unknown>[]).map((s) => Object.keys(s));
    expect(names.length).toBeGreaterThanOrEqual(6);
    for (const keys of names) expect(keys).toHaveLength(1);
  });
});

describe("the Promtail check catches", () => {
  it("a misspelled stage option, which Promtail itself would ignore", () => {
    const at = `scrape_configs[0].pipeline_stages[${stageIndex("timestamp")}].timestamp`;
    const problems = validate(plant(config(), `${at}.action_on_falure`, "skip"), PROMTAIL_3_6);
    expect(messages(problems)).toEqual([`${at}.action_on_falure: unknown key (value "skip"); did you mean "action_on_failure"?`]);
  });

  it("a key of an older Promtail (backoff_config.maxbackoff, renamed max_period)", () => {
    const problems = validate(plant(config(), "clients[0].backoff_config.maxbackoff", "30s"), PROMTAIL_3_6);
    expect(messages(problems)).toEqual(['clients[0].backoff_config.maxbackoff: key of another version (value "30s"): Promtail before Loki 1.5; renamed max_period']);
  });

  it("a value outside an enum, with the closest allowed value", () => {
    const at = `scrape_configs[0].pipeline_stages[${stageIndex("timestamp")}].timestamp.action_on_failure`;
    const problems = validate(plant(config(), at, "skipp"), PROMTAIL_3_6);
    expect(messages(problems)).toEqual([`${at}: "skipp" is not one of "skip", "fudge"; did you mean "skip"?`]);
  });

  it("a duration with a unit Go's parser rejects", () => {
    const problems = validate(plant(config(), "positions.sync_period", "1d"), PROMTAIL_3_6);
    expect(messages(problems)).toEqual(['positions.sync_period: "1d" is not a Go duration (units ns, us, ms, s, m, h; e.g. 30s, 1h30m; no d, w or y)']);
  });

  it("a misspelled timestamp format, which is neither a named layout nor a Go layout", () => {
    const at = `scrape_configs[0].pipeline_stages[${stageIndex("timestamp")}].timestamp.format`;
    const problems = validate(plant(config(), at, "RFC3339nano"), PROMTAIL_3_6);
    expect(messages(problems)[0]).toMatch(new RegExp(`^${at.replace(/[[\].]/g, "\\$&")}: "RFC3339nano" is not one of ANSIC, .*; did you mean "RFC3339Nano"\\?$`));
    expect(validate(plant(config(), at, "2006-01-02T15:04:05.999999999Z07:00"), PROMTAIL_3_6)).toEqual([]);
  });

  it("a relabel action Prometheus does not have, and a stage holding two stages", () => {
    const relabel = validate(plant(config(), "scrape_configs[0].relabel_configs[1].action", "delete"), PROMTAIL_3_6);
    expect(relabel.map((p) => [p.kind, p.path, p.value])).toEqual([["enum", "scrape_configs[0].relabel_configs[1].action", "delete"]]);
    const twoStages = validate(plant(config(), "scrape_configs[0].pipeline_stages[0].docker", {}), PROMTAIL_3_6);
    expect(messages(twoStages)[0]).toMatch(/^scrape_configs\[0\]\.pipeline_stages\[0\]: .* must hold exactly one key, got 2 \(cri, docker\)$/);
  });
});
