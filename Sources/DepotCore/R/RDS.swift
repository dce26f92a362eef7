/// Writes `src/contrib/PACKAGES.rds` the way `tools::write_PACKAGES` saves it, so that R's
/// `available.packages()` (which asks for `PACKAGES.rds` first) reads the same matrix as from R's own file.
///
/// What R saves (R 4.2 `tools:::.write_repository_package_db`): a character matrix with one row per package
/// and one column per field, `NA_character_` where a package lacks a field and for empty values, row names
/// the `Package` column, column names the fields. So `attributes(x)` are `dim = c(nrow, ncol)` and
/// `dimnames = list(<Package values>, <fields>)`. The columns are `rdsFields` (for source packages),
/// then any extra `fields` asked for, then `File` (with `addFiles = TRUE`) and `Path` (with `subdirs`) —
/// the same columns as `PACKAGES` itself, which just leaves out the NAs. R compresses it with xz; the
/// caller compresses ours with gzip, which `readRDS` reads too.
///
/// The bytes are R's serialization format version 2, XDR (big-endian) binary, as "R Internals" (section
/// Serialization Formats) describes it: the header `X\n`, the format version 2, the writer's R version
/// (written as 4.0.0) and the oldest R that can read it (2.3.0); then each object as a 32-bit flags word
/// (bits 0–7 the SEXPTYPE, bit 9 "has attributes", bit 10 "has tag", bits 12–27 the "levels"), followed by
/// its length and data, and after a vector's data its attributes as a pairlist (LISTSXP cells with a tag
/// SYMSXP, which is followed by its name as a CHARSXP), ended by NILVALUE_SXP (254). A CHARSXP is its
/// flags (levels: 64 = ASCII, 8 = UTF-8), its byte length and its bytes; NA_character_ has length -1.
public enum RDS {
    /// The columns `write_PACKAGES(type = "source")` always writes, in its order
    /// (`tools:::.get_standard_repository_db_fields("source")`, R 4.2).
    public static let rdsFields: [String] = [
        "Package", "Version", "Priority", "Depends", "Imports", "LinkingTo", "Suggests", "Enhances",
        "License", "License_is_FOSS", "License_restricts_use", "OS_type", "Archs", "MD5sum", "NeedsCompilation",
    ]

    /// The columns for binary repositories (`mac.binary`, `win.binary`): the same without `NeedsCompilation`.
    public static let binaryRDSFields: [String] = rdsFields.filter { $0 != "NeedsCompilation" }

    /// `standard` followed by `File` and `Path` when any record has them, as `write_PACKAGES` adds them.
    public static func columns(for records: [[String: String]], standard: [String] = rdsFields) -> [String] {
        var columns = standard
        for extra in ["File", "Path"] where !columns.contains(extra) && records.contains(where: { $0[extra] != nil }) {
            columns.append(extra)
        }
        return columns
    }

    /// The uncompressed serialization of the `PACKAGES.rds` matrix: `fields` are the columns in order, each
    /// record a row (in order); a missing or empty value is `NA`. Row names are the records' `Package`
    /// values (NA for a record without one); a matrix with no rows has no row names, as in R.
    public static func packagesMatrix(fields: [String], records: [[String: String]]) -> [UInt8] {
        var out = Output()
        out.bytes.reserveCapacity(64 + records.count * fields.count * 16)
        // Header: XDR format, serialization version 2, written by "R 4.0.0", readable from R 2.3.0.
        out.bytes.append(contentsOf: Array("X\n".utf8))
        out.int(2)
        out.int(0x0004_0000)
        out.int(0x0002_0300)

        let rowNames: [String?]? = records.isEmpty ? nil : records.map { nonEmpty($0["Package"]) }
        let columnNames: [String?]? = fields.isEmpty ? nil : fields
        let hasDimnames = rowNames != nil || columnNames != nil

        // The matrix: STRSXP with attributes, column-major.
        out.int(SEXPType.string | hasAttributes)
        out.length(records.count * fields.count)
        for field in fields {
            for record in records { out.charsxp(nonEmpty(record[field])) }
        }
        // attributes: pairlist(dim = c(nrow, ncol), dimnames = list(rows, columns))
        out.int(SEXPType.pairlist | hasTag)
        out.symbol("dim")
        out.int(SEXPType.integer)
        out.length(2)
        out.int(Int32(clamping: records.count))
        out.int(Int32(clamping: fields.count))
        if hasDimnames {
            out.int(SEXPType.pairlist | hasTag)
            out.symbol("dimnames")
            out.int(SEXPType.list)
            out.length(2)
            out.stringVector(rowNames)
            out.stringVector(columnNames)
        }
        out.int(SEXPType.nilValue)
        return out.bytes
    }

    // MARK: - Serialization

    private enum SEXPType {
        static let symbol: Int32 = 1
        static let pairlist: Int32 = 2
        static let char: Int32 = 9
        static let integer: Int32 = 13
        static let string: Int32 = 16
        static let list: Int32 = 19
        static let nilValue: Int32 = 254
    }

    private static let hasAttributes: Int32 = 1 << 9
    private static let hasTag: Int32 = 1 << 10
    /// CHARSXP levels, shifted into bits 12–27 of the flags.
    private static let asciiLevel: Int32 = 64 << 12
    private static let utf8Level: Int32 = 8 << 12

    private static func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }

    private struct Output {
        var bytes: [UInt8] = []

        mutating func int(_ value: Int32) {
            let bits = UInt32(bitPattern: value)
            bytes.append(UInt8(truncatingIfNeeded: bits >> 24))
            bytes.append(UInt8(truncatingIfNeeded: bits >> 16))
            bytes.append(UInt8(truncatingIfNeeded: bits >> 8))
            bytes.append(UInt8(truncatingIfNeeded: bits))
        }

        /// A vector length; from 2^31 on, R's long-vector form (-1, then the upper and lower 32 bits).
        mutating func length(_ count: Int) {
            if count <= Int(Int32.max) {
                int(Int32(count))
            } else {
                int(-1)
                int(Int32(truncatingIfNeeded: count >> 32))
                int(Int32(bitPattern: UInt32(truncatingIfNeeded: count)))
            }
        }

        mutating func charsxp(_ value: String?) {
            guard let value else {
                int(SEXPType.char)
                int(-1)
                return
            }
            let utf8 = Array(value.utf8)
            int(SEXPType.char | (utf8.allSatisfy { $0 < 0x80 } ? asciiLevel : utf8Level))
            int(Int32(clamping: utf8.count))
            bytes.append(contentsOf: utf8.prefix(Int(Int32.max)))
        }

        mutating func symbol(_ name: String) {
            int(SEXPType.symbol)
            charsxp(name)
        }

        /// A character vector, or NULL for nil.
        mutating func stringVector(_ values: [String?]?) {
            guard let values else {
                int(SEXPType.nilValue)
                return
            }
            int(SEXPType.string)
            length(values.count)
            for value in values { charsxp(value) }
        }
    }
}
