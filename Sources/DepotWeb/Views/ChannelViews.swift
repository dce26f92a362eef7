import DepotCore
import DepotStore
import Foundation

struct SelectOption: Sendable {
    let value: String
    let label: String
    let selected: Bool
}

struct ChannelRow: Sendable {
    let fullName: String
    let url: String
    let orgName: String
    let privacy: String
    let isPrivate: Bool
    let frozen: Bool
    let isSubchannel: Bool
    let description: String

    init(_ channel: ChannelRecord, orgName: String) {
        fullName = channel.fullName
        url = SitePath.channel(channel.fullName)
        self.orgName = orgName
        privacy = ChannelPrivacy(rawValue: channel.privacy)?.title ?? channel.privacy
        isPrivate = !channel.isPublic
        frozen = channel.frozen
        isSubchannel = channel.isSubchannel
        description = channel.description
    }
}

struct ChannelListPage: Sendable {
    let site: Site
    let title = "Channels"
    let filter: String
    let channels: [ChannelRow]
    let canCreate: Bool
    let newChannelURL = SitePath.newChannel
}

/// The create form for channels and subchannels; shown again with the user's values and a message per field.
struct ChannelFormPage: Sendable {
    let site: Site
    let title: String
    let action: String
    let cancelURL: String
    let parentName: String?
    let orgs: [SelectOption]
    let name: String
    let description: String
    let privacy: [SelectOption]
    let errors: FieldErrors

    static func privacyOptions(selected: String) -> [SelectOption] {
        ChannelPrivacy.allCases.map { SelectOption(value: $0.rawValue, label: $0.title, selected: $0.rawValue == selected) }
    }
}

/// Per-field messages for templates: `{{#errors.name}}…{{/errors.name}}`.
struct FieldErrors: Sendable {
    let name: String?
    let description: String?
    let privacy: String?
    let org: String?
    let user: String?
    let role: String?
    let password: String?
    let confirm: String?
    let form: String?
    let any: Bool

    init(_ errors: ValidationErrors = ValidationErrors(), form: String? = nil) {
        name = errors["name"]
        description = errors["description"]
        privacy = errors["privacy"]
        org = errors["org"]
        user = errors["user"]
        role = errors["role"]
        password = errors["password"]
        confirm = errors["confirm"]
        let known = ["name", "description", "privacy", "org", "user", "role", "password", "confirm"]
        self.form = form ?? errors.fields.first(where: { !known.contains($0.field) })?.message
        any = !errors.isEmpty || form != nil
    }
}

struct ChannelTab: Sendable {
    let name: String
    let title: String
    let url: String
    let active: Bool
}

struct ChannelPage: Sendable {
    let site: Site
    let title: String
    let fullName: String
    let orgName: String
    let orgURL: String
    let description: String
    let privacy: String
    let isPrivate: Bool
    let frozen: Bool
    let frozenAt: String
    let createdAt: String
    let parentName: String?
    let parentURL: String?
    let isSubchannel: Bool
    let tabs: [ChannelTab]
    let tabPackages: Bool
    let tabMirrors: Bool
    let tabSettings: Bool
    let subchannels: [ChannelRow]
    let hasSubchannels: Bool
    let snippets: ClientSnippets
    // actions
    let canFreeze: Bool
    let canEdit: Bool
    let canDelete: Bool
    let canCreateSubchannel: Bool
    let canCreateMirror: Bool
    let freezeURL: String
    let unfreezeURL: String
    let deleteURL: String
    let settingsURL: String
    let newSubchannelURL: String
    let newMirrorURL: String
    let mirrors: [MirrorRow]
    let anyRunning: Bool
    // packages tab
    let packages: [PackageRow]
    let packageSearch: String
    let packageSummary: String
    let previousPageURL: String?
    let nextPageURL: String?
    // settings form
    let formDescription: String
    let formPrivacy: [SelectOption]
    /// The channel's policy (Settings tab): the choice, the applied policy's read-only page, and the form's error.
    var policyOptions: [SelectOption] = []
    var policyName: String?
    var policyURL: String?
    /// Nil when the caller may not view the organisation's policies (no policy form then).
    var policyFormURL: String?
    var policyError: String?
    let errors: FieldErrors
}

struct ConfirmDeletePage: Sendable {
    let site: Site
    let title: String
    let fullName: String
    let action: String
    let cancelURL: String
    let subchannels: [String]
    let hasSubchannels: Bool
    let errors: FieldErrors
}
