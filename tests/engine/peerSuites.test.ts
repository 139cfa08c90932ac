// The peer-suite driver reads its expectations from the suite's Go test file; here a Go file of our own
// in the suite's shapes (a test's consts, a `return` helper, an `append` helper, scenarios, stack tags).
import { strict as assert } from "assert";
import { readPeerTests } from "../../tools/peerSuites";

const GO = `package integrationtests

func TestShapes(t *testing.T) {
	const (
		rule   = "my-rule"
		prefix = "error: " // a comment
	)

	settings := func(c PolicyConfig) map[string]PolicyConfig {
		return map[string]PolicyConfig{
			rule: c,
		}
	}

	want := func(err ...string) []string {
		var result []string
		for _, e := range err {
			result = append(result,
				prefix+rule+": "+e,
			)
		}
		return result
	}

	runPolicyPackIntegrationTest(t, "shapes", NodeJS, map[string]string{
		"aws:region": "us-west-2",
	}, []policyTestScenario{
		// one
		{WantErrors: nil},
		{
			PolicyPackConfig: settings(PolicyConfig{"n": float64(1.5), "list": []string{"a", \`b\`}, "obj": map[string]interface{}{"k": nil}}),
			WantErrors:       want("bad", "worse"),
			Advisory:         true,
		},
	})
}

func TestTags(t *testing.T) {
	runPolicyPackIntegrationTestWithStackTags(t, "tags", Python, nil, []policyTestScenario{{WantErrors: []string{"[mandatory]  x"}}},
		map[string]string{"foo": "bar"})
}
`;

describe("peer suites: the Go test file read as scenarios", () => {
    it("reads folders, config, tags and each scenario's policy config and expected strings", () => {
        const [shapes, tags] = readPeerTests(GO);
        assert.deepEqual(shapes, {
            name: "TestShapes", dir: "shapes", runtime: "NodeJS", initialConfig: { "aws:region": "us-west-2" }, stackTags: {},
            scenarios: [
                { index: 1, wantErrors: [], advisory: false, policyPackConfig: undefined },
                { index: 2, wantErrors: ["error: my-rule: bad", "error: my-rule: worse"], advisory: true, policyPackConfig: { "my-rule": { n: 1.5, list: ["a", "b"], obj: { k: null } } } },
            ],
        });
        assert.deepEqual(tags, { name: "TestTags", dir: "tags", runtime: "Python", initialConfig: {}, stackTags: { foo: "bar" }, scenarios: [{ index: 1, wantErrors: ["[mandatory]  x"], advisory: false, policyPackConfig: undefined }] });
    });
});
