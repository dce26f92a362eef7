public enum ChannelPrivacy: String, CaseIterable, Sendable, Codable {
    /// Anyone may download from the channel.
    case `public`
    /// Only members of the channel's organisation (signed in or with a token).
    case `private`

    public var title: String { rawValue.capitalized }
}
