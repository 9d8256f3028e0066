# Homebrew formula for mlxd, kept with the sources.
#
#   brew tap-new "$USER/mlxd"
#   cp Formula/mlxd.rb "$(brew --repository "$USER/mlxd")/Formula/"
#   brew install --HEAD "$USER/mlxd/mlxd"
#   brew services start mlxd       # the LaunchAgent: starts at login
#
# The head URL is the project's public git repository; set it to where the
# sources are published (a release adds `url` and `sha256`).
class Mlxd < Formula
  desc "Local LLM monitor, benchmarker and model cache for Ollama"
  homepage "https://github.com/mlxd/mlxd"
  license "ISC"
  head "https://github.com/mlxd/mlxd.git", branch: "main"

  depends_on "meson" => :build
  depends_on "ninja" => :build
  depends_on "pkg-config" => :build
  depends_on "cmocka" => :test
  depends_on "curl"
  depends_on "jansson"
  depends_on "libmicrohttpd"
  depends_on "libuv"
  depends_on "libyaml"
  depends_on "openssl@3"
  depends_on "sqlite"

  def install
    # werror stays off for packaged builds (the project default).
    system "meson", "setup", "build", "-Dtests=false", *std_meson_args
    system "meson", "compile", "-C", "build", "--verbose"
    system "meson", "install", "-C", "build"
  end

  service do
    run [opt_bin/"mlxd"]
    keep_alive successful_exit: false
    process_type :background
    log_path var/"log/mlxd.log"
    error_log_path var/"log/mlxd.log"
  end

  test do
    assert_match version.to_s, shell_output("#{bin}/mlxd --version")
    assert_match "mlxctl", shell_output("#{bin}/mlxctl --help")
    system bin/"mlxd", "--check-config", "--socket", testpath/"mlxd.sock",
           "--data-dir", testpath/"data"
  end
end
