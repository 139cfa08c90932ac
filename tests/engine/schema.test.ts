// Policy config validation in the engine's words: gojsonschema's messages as pulumi/pulumi prints them
// ("<field>: <description>", "(root): " trimmed; pkg/resource/analyzer/config.go and config_test.go).
import { strict as assert } from "assert";
import { validate } from "../../offline-engine/schema";

describe("offline engine: JSON Schema problems worded as the CLI words them", () => {
    const cases: [string, unknown, Record<string, unknown>, string[]][] = [
        ["a missing required property, at the root", {}, { type: "object", required: ["foo"] }, ["foo is required"]],
        ["a type of several, as a list", { foo: 1 }, { type: "object", properties: { foo: { type: ["string", "null"] } } }, ["foo: Invalid type. Expected: [string,null], given: integer"]],
        ["an exclusive bound, either draft", { a: 5, b: 5 }, { properties: { a: { maximum: 5, exclusiveMaximum: true }, b: { exclusiveMinimum: 5 } } }, ["a: Must be less than 5", "b: Must be greater than 5"]],
        ["a fractional bound as Go prints it", { a: 0.1 }, { properties: { a: { minimum: 0.25 } } }, ["a: Must be greater than or equal to 0.25"]],
        ["a pattern", { a: "x" }, { properties: { a: { pattern: "^[0-9]+$" } } }, ["a: Does not match pattern '^[0-9]+$'"]],
        ["a nested place, dotted with item indexes", { a: [{ b: "x" }] }, { properties: { a: { items: { properties: { b: { type: "integer" } } } } } }, ["a.0.b: Invalid type. Expected: integer, given: string"]],
        ["an additional property where none is allowed, named at its object", { a: { b: 1 } }, { properties: { a: { properties: {}, additionalProperties: false } } }, ["a: Additional property b is not allowed"]],
        ["a multiple that float division would get wrong", { a: 0.3 }, { properties: { a: { multipleOf: 0.1 } } }, []],
        ["duplicate items", { a: [1, 2, 1] }, { properties: { a: { uniqueItems: true } } }, ["a: array items[0,2] must be unique"]],
    ];
    for (const [what, value, schema, problems] of cases) {
        it(what, () => assert.deepEqual(validate(value, schema), problems));
    }
});
