/// The configuration a user copies to point conda, pip and R at a channel.
public struct ClientSnippets: Sendable, Equatable {
    public let condaURL: String
    public let simpleURL: String
    public let cranURL: String
    public let condarc: String
    public let condaCommand: String
    public let pipConf: String
    public let pipCommand: String
    public let rProfile: String

    /// - Parameters:
    ///   - baseURL: the server's public URL without a trailing slash, e.g. `https://depot.example.org`.
    ///   - isPrivate: private channels get the token form, with a placeholder the user replaces.
    public init(baseURL: String, channel: ChannelPath, isPrivate: Bool) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        let prefix = isPrivate ? "\(base)/t/<TOKEN>" : base
        condaURL = "\(prefix)/api/repo/\(channel.fullName)"
        simpleURL = "\(prefix)/api/repo/\(channel.fullName)/simple/"
        cranURL = "\(prefix)/api/repo/\(channel.fullName)/cran"
        condarc = """
            channels:
              - \(condaURL)
            """
        condaCommand = "conda install -c \(condaURL) PACKAGE"
        pipConf = """
            [global]
            index-url = \(simpleURL)
            """
        pipCommand = "pip install --index-url \(simpleURL) PACKAGE"
        rProfile = "options(repos = c(depot = \"\(cranURL)\"))"
    }
}
