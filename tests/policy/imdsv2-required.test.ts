import { table } from "./harness";

const instance = (meta: string) => `new aws.ec2.Instance("host", { ami: "ami-1", instanceType: "t3.micro", rootBlockDevice: { encrypted: true }${meta} });`;
const template = (meta: string) => `new aws.ec2.LaunchTemplate("lt", { imageId: "ami-1", instanceType: "t3.micro"${meta} });`;

describe("policy imdsv2-required", () => {
    table("imdsv2-required", [
        { what: "an instance with httpTokens required", program: instance(`, metadataOptions: { httpTokens: "required" }`), expect: [] },
        { what: "an instance with the metadata endpoint disabled", program: instance(`, metadataOptions: { httpEndpoint: "disabled" }`), expect: [] },
        { what: "a launch template with httpTokens required", program: template(`, metadataOptions: { httpTokens: "required" }`), expect: [] },
        { what: "an instance without metadataOptions", program: instance(""), expect: [`host allows IMDSv1 (metadataOptions.httpTokens is "unset"). Set metadataOptions.httpTokens to "required".`] },
        { what: "an instance with httpTokens optional", program: instance(`, metadataOptions: { httpTokens: "optional" }`), expect: [`host allows IMDSv1 (metadataOptions.httpTokens is "optional"). Set metadataOptions.httpTokens to "required".`] },
        { what: "a launch template without metadataOptions", program: template(""), expect: [`lt allows IMDSv1 (metadataOptions.httpTokens is "unset"). Set metadataOptions.httpTokens to "required".`] },
    ]);
});
