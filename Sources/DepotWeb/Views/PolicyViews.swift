import DepotCore
import DepotStore

struct PolicyRow: Sendable {
    let name: String
    let url: String
    let description: String
    let summary: [String]
    let usedBy: String
}

struct PoliciesPage: Sendable {
    let site: Site
    let title: String
    let orgName: String
    let orgURL: String
    let newURL: String
    let policies: [PolicyRow]
    let canCreate: Bool
}

/// One policy read-only ("View Applied Policy"), with Edit and Delete for those allowed.
struct PolicyPage: Sendable {
    let site: Site
    let title: String
    let orgName: String
    let policiesURL: String
    let name: String
    let description: String
    /// Shown as stored; the template reads its fields inside `{{#rules}}`.
    let rules: PolicyRules
    let usedBy: [String]
    let editURL: String?
    let deleteURL: String?

    init(site: Site, org: OrgRecord, policy: PolicyRecord, usedBy: [String], canEdit: Bool, canDelete: Bool) {
        self.site = site
        title = "Policy \(policy.name)"
        orgName = org.name
        policiesURL = SitePath.org(org.name, "policies")
        name = policy.name
        description = policy.description
        rules = policy.decodedRules
        self.usedBy = usedBy
        editURL = canEdit ? SitePath.policy(org.name, policy.id!) + "/edit" : nil
        deleteURL = canDelete ? SitePath.policy(org.name, policy.id!) + "/delete" : nil
    }
}

struct PolicyFormPage: Sendable {
    struct Check: Sendable {
        let value: String
        let checked: Bool
    }
    let site: Site
    let title: String
    let orgName: String
    let action: String
    let cancelURL: String
    let isEdit: Bool
    let name: String
    let description: String
    let allow: String
    let block: String
    let includeDependencies: Bool
    let licenseBlock: String
    let blockMissingLicense: Bool
    let coolingOffDays: String
    let excludeBefore: String
    let subdirs: [Check]
    let otherSubdirs: String
    let errors: PolicyFieldErrors

    init(site: Site, org: OrgRecord, policyID: Int64?, input: PolicyInput, errors: ValidationErrors) {
        self.site = site
        isEdit = policyID != nil
        title = policyID == nil ? "New policy" : "Edit policy \(input.name)"
        orgName = org.name
        action = policyID.map { SitePath.policy(org.name, $0) + "/edit" } ?? SitePath.org(org.name, "policies")
        cancelURL = policyID.map { SitePath.policy(org.name, $0) } ?? SitePath.org(org.name, "policies")
        name = input.name
        description = input.description
        allow = input.allow.joined(separator: "\n")
        block = input.block.joined(separator: "\n")
        includeDependencies = input.includeDependencies
        licenseBlock = input.licenseBlock.joined(separator: "\n")
        blockMissingLicense = input.blockMissingLicense
        coolingOffDays = input.coolingOffDays
        excludeBefore = input.excludeBefore
        let offered = MirrorInput.offeredSubdirs
        subdirs = offered.map { Check(value: $0, checked: input.subdirs.contains($0)) }
        otherSubdirs = input.subdirs.filter { !offered.contains($0) }.joined(separator: ", ")
        self.errors = PolicyFieldErrors(errors)
    }
}

struct PolicyFieldErrors: Sendable {
    let name: String?
    let description: String?
    let allow: String?
    let block: String?
    let licenseBlock: String?
    let coolingOffDays: String?
    let excludeBefore: String?
    let subdirs: String?
    let form: String?

    init(_ errors: ValidationErrors) {
        name = errors["name"]
        description = errors["description"]
        allow = errors["allow"]
        block = errors["block"]
        licenseBlock = errors["license_block"]
        coolingOffDays = errors["cooling_off_days"]
        excludeBefore = errors["exclude_before"]
        subdirs = errors["subdirs"]
        form = errors["form"] ?? errors["org"]
    }
}
