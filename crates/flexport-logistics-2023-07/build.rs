fn main() {
    flexport_codegen::build_script::generate_client();
}
