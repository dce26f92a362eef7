import DepotCore

/// The licence families a mirror leaves out, stored one per line.
enum RLicenseFilter {
    static func families(_ stored: String) -> Set<RLicenseFamily> {
        Set(stored.split(whereSeparator: \.isNewline).compactMap { RLicenseFamily(rawValue: String($0)) })
    }

    static func isExcluded(license: String, isFOSS: String?, restrictsUse: String?, excluded: Set<RLicenseFamily>) -> Bool {
        !excluded.isEmpty && RLicense.isExcluded(license: license, isFOSS: isFOSS, restrictsUse: restrictsUse, excluded: excluded)
    }
}

/// What Depot serves as `PACKAGES.rds`: the character matrix `tools::write_PACKAGES` saves.
public enum CranIndex {
    public static func rds(_ records: [[(String, String)]]) -> [UInt8] {
        let dictionaries = records.map { Dictionary($0, uniquingKeysWith: { first, _ in first }) }
        return RDS.packagesMatrix(fields: RDS.columns(for: dictionaries), records: dictionaries)
    }
}
