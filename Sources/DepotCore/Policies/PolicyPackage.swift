/// One record of the upstream index that passed the type checks, as a policy sees it.
public struct PolicyPackage: Sendable {
    public let subdir: String
    public let filename: String
    public let record: CondaRecord

    public init(subdir: String, filename: String, record: CondaRecord) {
        self.subdir = subdir
        self.filename = filename
        self.record = record
    }

    /// `subdir/filename`, how reports name a package.
    public var path: String { subdir + "/" + filename }
}
