// swift-tools-version:6.0
// SPDX-License-Identifier: ISC
//
// The Swift package of mlxd: the MLXD library (a native client of the
// daemon's API over its Unix socket) and two example programs. The sources
// live under clients/swift/.
import PackageDescription

let package = Package(
	name: "mlxd",
	platforms: [.macOS(.v13)],
	products: [
		.library(name: "MLXD", targets: ["MLXD"]),
		.executable(name: "mlxd-chat", targets: ["mlxd-chat"]),
		.executable(name: "mlxd-caption", targets: ["mlxd-caption"]),
	],
	targets: [
		.target(name: "MLXD", path: "clients/swift/Sources/MLXD"),
		.executableTarget(name: "mlxd-chat", dependencies: ["MLXD"],
		    path: "clients/swift/Sources/mlxd-chat"),
		.executableTarget(name: "mlxd-caption", dependencies: ["MLXD"],
		    path: "clients/swift/Sources/mlxd-caption"),
		.testTarget(name: "MLXDTests", dependencies: ["MLXD"],
		    path: "clients/swift/Tests/MLXDTests"),
	],
	swiftLanguageModes: [.v6]
)
