// The peer-suite driver reads pulumi/pulumi's policy conformance tests (Go functions) into runs and
// expectations; here a Go file of our own in their shapes: a helper closure with a string parameter and
// a local chosen by an `if`, a payload variable, a list of rule names, config keys, stack tags, and the error assertions.
import { strict as assert } from "assert";
import { readConformanceTests } from "../../tools/conformanceTests";

const GO = `package tests

func init() {
	check := func(l *L, events []engine.Event, value string) {
		other := "true"
		if value == "true" {
			other = "false"
		}
		expectedViolations := []engine.PolicyViolationEventPayload{
			{
				ResourceURN:       "urn:pulumi:test::ours::simple:index:Resource::res",
				Message:           "<{%reset%}>Checks\\nValue was " + other + "<{%reset%}>\\n",
				PolicyName:        "rule-" + value,
				PolicyPackName:    "ours",
				PolicyPackVersion: "1.2.3",
				EnforcementLevel:  "mandatory",
				Prefix:            fmt.Sprintf("<{%%fg %d%%}>", 1),
			},
		}
		require.Len(l, events, len(expectedViolations))
	}
	stackWide := engine.PolicyViolationEventPayload{PolicyName: "size", EnforcementLevel: "advisory"}
	names := []string{"a", "b"}
	byName := func(l *L, events []engine.Event) {
		assert.ElementsMatch(l, names, got)
	}
	countKey := config.MustMakeKey("ours", "count")

	LanguageTests["ours"] = LanguageTest{
		RunsShareSource: true,
		Runs: []TestRun{
			{
				Config: config.Map{
					countKey: config.NewValue("2"),
				},
				PolicyPacks: map[string]map[string]any{
					"ours": {"rule-true": map[string]any{"enforcementLevel": "mandatory"}},
				},
				StackTags: map[apitype.StackTagName]string{"value": "true"},
				AssertPreview: func(l *L, res AssertPreviewArgs) {
					require.ErrorContains(l, res.Err, "BAIL: step generator errored")
					check(l, res.Events, "true")
				},
				Assert: func(l *L, res AssertArgs) {
					require.NoError(l, res.Err)
					assert.Contains(l, violations, stackWide)
				},
			},
			{
				PolicyPacks: map[string]map[string]any{"ours": nil},
				AssertPreview: func(l *L, res AssertPreviewArgs) {
					require.ErrorContains(l, res.Err, "validating policy config")
				},
				Assert: func(l *L, res AssertArgs) {
					require.Error(l, res.Err)
					byName(l, res.Events)
				},
			},
		},
	}
}
`;

describe("peer suites: pulumi/pulumi's policy conformance tests read as runs", () => {
    it("reads packs, config, tags, and per mode the failure, error text and expected events", () => {
        const [test] = readConformanceTests(GO);
        assert.equal(test.name, "ours");
        assert.equal(test.runsShareSource, true);
        const [first, second] = test.runs;
        assert.deepEqual(first.packs, [["ours", { "rule-true": { enforcementLevel: "mandatory" } }]]);
        assert.deepEqual(first.config, { "ours:count": "2" });
        assert.deepEqual(first.stackTags, { value: "true" });
        assert.deepEqual(first.preview, {
            fails: true,
            errorText: [],
            violations: [{ urn: "urn:pulumi:test::ours::simple:index:Resource::res", message: "Checks\nValue was false", policyName: "rule-true", policyPack: "ours", version: "1.2.3", level: "mandatory" }],
        });
        assert.deepEqual(first.update, { fails: false, errorText: [], violations: [{ urn: undefined, message: undefined, policyName: "size", policyPack: undefined, version: undefined, level: "advisory" }] });
        assert.deepEqual(second.packs, [["ours", null]]);
        assert.deepEqual([second.preview, second.update], [{ fails: true, errorText: ["validating policy config"] }, { fails: true, errorText: [], violations: [{ policyName: "a" }, { policyName: "b" }] }]);
    });
});
