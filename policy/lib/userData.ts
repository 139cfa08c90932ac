// User data as the program gives it to an instance, a launch template or configuration or a spot
// request: plain or base64 (as EC2 and launch templates take it), read back as the text the host runs.
import { PolicyResource } from "@pulumi/policy";
import { plain, UNKNOWN } from "./graph";

const USER_DATA: Record<string, string[]> = {
    "aws:ec2/instance:Instance": ["userData", "userDataBase64"],
    "aws:ec2/launchTemplate:LaunchTemplate": ["userData"],
    "aws:ec2/spotInstanceRequest:SpotInstanceRequest": ["userData", "userDataBase64"],
    "aws:ec2/launchConfiguration:LaunchConfiguration": ["userData", "userDataBase64"],
    "aws:lightsail/instance:Instance": ["userData"],
};

/** The text itself, or what it encodes when it is base64 of readable text. */
function decoded(text: string): string {
    const compact = text.replace(/\s+/g, "");
    if (compact.length < 8 || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return text;
    const out = Buffer.from(compact, "base64").toString("utf8");
    return /^[\x09\x0a\x0d\x20-\x7e\u00a0-\uffff]*$/.test(out) && !out.includes("\ufffd") ? out : text;
}

export interface UserData {
    /** The scripts, decoded. */
    texts: string[];
    /** Some user data is not known yet (a first preview, when it names another resource's id). */
    unknown: boolean;
}

/** The user data of a resource that takes some (none for other types). */
export function userDataOf(r: PolicyResource): UserData {
    const values = (USER_DATA[r.type] ?? []).map((key) => plain(() => r.props[key]));
    return { texts: values.filter((v): v is string => typeof v === "string").map(decoded), unknown: values.includes(UNKNOWN) };
}
