import { strict as assert } from "assert";
import { cidrContains, isWiderThan, parseCidr, subnetCidr } from "../../lib/cidr";

describe("lib/cidr", () => {
    const cases: [string, boolean][] = [
        ["0.0.0.0/0", true], ["0.0.0.0/1", true], ["128.0.0.0/1", true], ["10.0.0.0/8", true], ["203.0.113.0/23", true],
        ["203.0.113.0/24", false], ["203.0.113.7/32", false],
        ["::/0", true], ["2001:db8::/32", true], ["2001:db8::/63", true], ["2001:db8::/64", false], ["2001:db8::1/128", false],
    ];
    for (const [text, wide] of cases) {
        it(`${text} is ${wide ? "" : "not "}wider than /24 or /64`, () => assert.equal(isWiderThan(parseCidr(text)!), wide));
    }

    for (const bad of ["", "10.0.0.0", "10.0.0.256/24", "10.0.0.0/33", "1.2.3/8", "::1::2/64", "2001:db8::/129", "abc/24", "2001:db8:1:2:3:4:5:6:7/64"]) {
        it(`refuses malformed ${JSON.stringify(bad)}`, () => assert.equal(parseCidr(bad), undefined));
    }

    it("parses IPv6 with :: in the middle and clears host bits", () => {
        const c = parseCidr("2001:db8::ff/64")!;
        assert.equal(c.version, 6);
        assert.equal(c.network, 0x20010db8000000000000000000000000n);
    });

    it("knows containment", () => {
        assert.ok(cidrContains(parseCidr("10.0.0.0/16")!, parseCidr("10.0.3.0/24")!));
        assert.ok(!cidrContains(parseCidr("10.0.0.0/16")!, parseCidr("10.1.0.0/24")!));
        assert.ok(!cidrContains(parseCidr("10.0.0.0/24")!, parseCidr("10.0.0.0/16")!));
        assert.ok(!cidrContains(parseCidr("::/0")!, parseCidr("10.0.0.0/8")!));
    });

    it("carves subnets out of a VPC range", () => {
        assert.equal(subnetCidr("10.0.0.0/16", 20, 0), "10.0.0.0/20");
        assert.equal(subnetCidr("10.0.0.0/16", 20, 8), "10.0.128.0/20");
        assert.equal(subnetCidr("172.16.4.0/22", 26, 9), "172.16.6.64/26");
        assert.throws(() => subnetCidr("10.0.0.0/16", 20, 16), /no room/);
    });
});
